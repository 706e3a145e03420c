import { decompress as zstdDecompress } from "fzstd";
import kafkajs from "kafkajs";
import SnappyCodec from "kafkajs-snappy";
import { compress as lz4Compress, decompress as lz4Decompress } from "lz4js";

// Node's CommonJS export detection misses these kafkajs exports; read them off the module object.
const { CompressionCodecs, CompressionTypes, KafkaJSNonRetriableError } = kafkajs;

interface Encoder {
  buffer: Buffer;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Registers Snappy, LZ4 and ZSTD with kafkajs (which only has GZIP built in
 * and otherwise throws on the first compressed batch). All three are pure
 * JavaScript: nothing to compile or download at install time. Snappy reads
 * both raw blocks (librdkafka) and the xerial framing (the Java client); LZ4
 * reads Kafka's LZ4 frames. ZSTD is decompress-only: this service never
 * produces ZSTD.
 */
export function registerCompressionCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: Encoder) => asBuffer(lz4Compress(encoder.buffer)),
    decompress: async (buffer: Buffer) => asBuffer(lz4Decompress(buffer)),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async () => {
      throw new KafkaJSNonRetriableError("this service does not produce ZSTD batches");
    },
    decompress: async (buffer: Buffer) => asBuffer(zstdDecompress(buffer)),
  });
}
