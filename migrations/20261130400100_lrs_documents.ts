import type { Knex } from 'knex';

// Documents of the embedded LRS (xAPI 1.0.3 Communication §2.3 State, §2.6 Agent Profile, §2.7
// Activity Profile): opaque content with its content type, an ETag for concurrency control (§3.1)
// and the time of its last change (epoch ms) for `since` and Last-Modified.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lrs_documents', (t) => {
    // sha256 of (scope, document id): the identity of a document, short enough for any index.
    t.string('id', 64).primary();
    // sha256 of (kind, activity id, agent key, registration): every document a GET without an id lists.
    t.string('scope', 64).notNullable();
    // state | activity_profile | agent_profile
    t.string('kind', 20).notNullable();
    t.string('activity_id', 2048).nullable();
    // Normalised inverse functional identifier (src/xapi/lrs/ifi.ts).
    t.string('agent_key', 2048).nullable();
    t.string('registration', 36).nullable();
    // stateId or profileId.
    t.string('document_id', 2048).notNullable();
    t.string('content_type', 255).notNullable();
    t.binary('content').notNullable();
    // SHA-1 hex of the content (§3.1), unquoted.
    t.string('etag', 40).notNullable();
    t.bigInteger('updated').notNullable();
    t.index(['scope', 'updated'], 'lrs_documents_scope_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lrs_documents');
}
