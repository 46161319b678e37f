import type { Knex } from 'knex';

// The embedded LRS (src/xapi/lrs/): statements plus the lookup rows its query filters need, and a
// small settings table for the generated basic-auth credentials. Times are epoch ms.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lrs_settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('lrs_statements', (t) => {
    t.string('id', 36).primary();
    // The statement as stored (with stored, authority, version, timestamp set by the LRS).
    t.text('statement').notNullable();
    // sha256 of the canonical JSON the client sent: same id + same hash is a no-op, else 409.
    t.string('content_hash', 64).notNullable();
    t.string('verb_id', 2048).notNullable();
    // Normalised inverse functional identifier of the actor (see ifi.ts); null for an anonymous group.
    t.string('actor_key', 2048).nullable();
    // The object's id when it is an Activity; the target id when it is a StatementRef.
    t.string('activity_id', 2048).nullable();
    t.string('object_statement_id', 36).nullable();
    t.string('registration', 36).nullable();
    t.bigInteger('stored').notNullable();
    t.string('timestamp', 64).notNullable();
    t.boolean('voided').notNullable().defaultTo(false);
    t.index(['stored', 'id'], 'lrs_statements_stored_idx');
    t.index(['verb_id'], 'lrs_statements_verb_idx');
    t.index(['registration'], 'lrs_statements_registration_idx');
    t.index(['object_statement_id'], 'lrs_statements_ref_idx');
  });
  // related = false: the statement's own actor / object; true: anywhere else (context, authority,
  // sub-statement), matched only with related_agents / related_activities=true.
  await knex.schema.createTable('lrs_statement_activities', (t) => {
    t.string('statement_id', 36).notNullable().references('id').inTable('lrs_statements').onDelete('CASCADE');
    t.string('activity_id', 2048).notNullable();
    t.boolean('related').notNullable();
    t.primary(['statement_id', 'activity_id', 'related']);
    t.index(['activity_id', 'related'], 'lrs_statement_activities_idx');
  });
  await knex.schema.createTable('lrs_statement_agents', (t) => {
    t.string('statement_id', 36).notNullable().references('id').inTable('lrs_statements').onDelete('CASCADE');
    t.string('agent_key', 2048).notNullable();
    t.boolean('related').notNullable();
    t.primary(['statement_id', 'agent_key', 'related']);
    t.index(['agent_key', 'related'], 'lrs_statement_agents_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lrs_statement_agents');
  await knex.schema.dropTable('lrs_statement_activities');
  await knex.schema.dropTable('lrs_statements');
  await knex.schema.dropTable('lrs_settings');
}
