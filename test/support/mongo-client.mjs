// One session of the official MongoDB driver: insert, find, and a drop that fails (code 26).
import { MongoClient } from 'mongodb';

const port = Number(process.argv[2]);
const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
await client.connect();
const orders = client.db('shop').collection('orders');
await orders.insertOne({ item: 'book', qty: 2 });
const found = await orders.find({ item: 'book' }).toArray();
if (!Array.isArray(found)) throw new Error('find returned no array');
let failed = false;
try {
  // A raw command: collection.drop() swallows NamespaceNotFound.
  await client.db('shop').command({ drop: 'missing' });
} catch (err) {
  failed = err.code === 26;
}
if (!failed) throw new Error('drop of "missing" should fail with code 26');
await client.close();
