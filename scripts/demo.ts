/**
 * `npm run demo`. The Node.js version is checked before the demo (and
 * everything it imports) is loaded: an old one gets one line naming both
 * versions, exit code 2.
 */
import { routeProcessWarnings } from "../src/cli/process-warnings.js";
import { requireSupportedNode } from "../src/cli/supported-node.js";

requireSupportedNode("npm run demo");
routeProcessWarnings((warning) => process.stderr.write(`demo: ${warning.name}: ${warning.message}\n`));
await import("./demo/run-demo.js");
