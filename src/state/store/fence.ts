import type { Producer } from "kafkajs";

/**
 * Claims an input partition's transactional id before anything else is done
 * with the partition: InitProducerId bumps the id's epoch, so every older
 * producer with it (a previous owner, a zombie) is fenced, and the broker
 * settles that producer's open transaction first (committed or aborted), so
 * the changelog's last stable offset is final when the restore reads to it.
 */
export async function fence(producer: Producer): Promise<void> {
  await producer.connect();
  const claim = await producer.transaction();
  // Nothing was added to it: kafkajs ends it locally without a request.
  await claim.abort();
}
