import { describe, expect, it } from "vitest";
import { EMPTY_LABEL, labelValue, redact } from "../../src/decode/label-value.js";

describe("labelValue", () => {
  it("keeps clean values as they are", () => {
    expect(labelValue("camera-7", 16)).toBe("camera-7");
    expect(labelValue("Kamera Süd 🎥", 16)).toBe("Kamera Süd 🎥");
  });

  it("removes control characters and trims", () => {
    expect(labelValue(" a\u0000b\tc\u007f\u0085 ", 16)).toBe("abc");
    expect(labelValue("\u0001\u0002", 16)).toBe(EMPTY_LABEL);
  });

  it("cuts long values without splitting a surrogate pair", () => {
    expect(labelValue("abcdefgh", 4)).toBe("abcd");
    expect(labelValue("abc🎥def", 4)).toBe("abc");
  });

  it.each([
    "sk-proj-1234567890abcdef",
    "sk_live_51H8abc",
    "pk_test_abc",
    "AKIAIOSFODNN7EXAMPLE",
    "AIzaSyA1234567890abcdefghijklmnop",
    "xoxb-1234-5678",
    "ghp_abcdefghijklmnopqrstuvwxyz0123",
    "glpat-abcdefghij",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
  ])("never exports the credential-like %s", (secret) => {
    const label = labelValue(secret, 128);
    expect(label).toBe(redact(secret));
    expect(label).toMatch(/^redacted-[0-9a-f]{12}$/);
    expect(label).not.toContain(secret.slice(0, 6));
  });

  it("leaves key ids alone", () => {
    expect(labelValue("key-3", 128)).toBe("key-3");
    expect(labelValue("openai-main", 128)).toBe("openai-main");
    expect(labelValue("skeleton-cam", 128)).toBe("skeleton-cam");
  });
});
