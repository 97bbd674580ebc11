// A kafkajs producer sends one batch of three messages to `orders`, then asks for the metadata
// of a topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION).
import { Kafka, logLevel } from 'kafkajs';

const port = Number(process.argv[2]);
const kafka = new Kafka({ clientId: 'orders-producer', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
await producer.send({ topic: 'orders', acks: 1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
await producer.disconnect();
const admin = kafka.admin();
await admin.connect();
let failed = false;
try {
  await admin.fetchTopicMetadata({ topics: ['no-such-topic'] });
} catch {
  failed = true;
}
await admin.disconnect();
if (!failed) throw new Error('metadata of an unknown topic should fail');
