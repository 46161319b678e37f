import { expect } from 'chai';
import { createDb, migrateLatest } from '../../src/db/knex.js';
import * as documents from '../../migrations/20261130400100_lrs_documents.js';
import * as attachments from '../../migrations/20261130400200_lrs_attachments.js';
import * as verbStored from '../../migrations/20261130400300_lrs_statements_verb_stored_idx.js';
import { createTestDatabase, testDbKind } from '../helpers/test-db.js';

describe(`embedded LRS migrations (${testDbKind()})`, () => {
  it('the documents, attachments and verb-index migrations go down and up again', async () => {
    const fresh = await createTestDatabase();
    const db = createDb(fresh.url);
    try {
      await migrateLatest(db);
      expect(await db.schema.hasTable('lrs_documents')).to.equal(true);
      expect(await db.schema.hasTable('lrs_attachments')).to.equal(true);
      await verbStored.down(db);
      await attachments.down(db);
      await documents.down(db);
      expect(await db.schema.hasTable('lrs_documents')).to.equal(false);
      expect(await db.schema.hasTable('lrs_attachments')).to.equal(false);
      await documents.up(db);
      await attachments.up(db);
      await verbStored.up(db);
      // Binary content survives as bytes on both databases.
      const bytes = Buffer.from([0, 255, 128, 10]);
      await db('lrs_attachments').insert({ sha2: 'a'.repeat(64), content_type: 'application/octet-stream', content: bytes, created_at: 1 });
      const row = (await db('lrs_attachments').first()) as { content: Uint8Array };
      expect(Buffer.from(row.content).equals(bytes)).to.equal(true);
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
