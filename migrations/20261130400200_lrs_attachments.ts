import type { Knex } from 'knex';

// Attachment content of embedded-LRS statements (xAPI 1.0.3 Data §2.4.11, Communication §1.5.2),
// addressed by its SHA-256 (the attachment's sha2): statements sharing a file share one row.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lrs_attachments', (t) => {
    t.string('sha2', 64).primary();
    t.string('content_type', 255).notNullable();
    t.binary('content').notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lrs_attachments');
}
