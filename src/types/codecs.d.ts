// Pure-JS compression packages without their own typings.
declare module "kafkajs-snappy" {
  import type { Codec } from "kafkajs";

  const SnappyCodec: () => ReturnType<Codec>;
  export default SnappyCodec;
}

declare module "lz4js" {
  export function compress(src: Uint8Array): Uint8Array;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
