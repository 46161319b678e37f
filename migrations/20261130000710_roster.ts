import type { Knex } from 'knex';

/**
 * A course's roster as NRPS last reported it (LTI NRPS 2.0), so the readiness roster can list
 * learners who never launched, and mentions can find people by name. One row per member (the
 * platform's user id = LTI sub); members who leave are kept with status 'Deleted' so their
 * history still has a name. roster_syncs says when the roster was last read and how that went.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_members', (t) => {
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    t.string('sub', 255).notNullable();
    t.string('name', 255).nullable();
    t.text('roles').notNullable().defaultTo('[]');
    // Our reading of the roles (lti/claims mapRoles): what the readiness roster filters on.
    t.string('primary_role', 16).notNullable();
    t.string('status', 16).notNullable(); // Active | Inactive | Deleted
    t.bigInteger('first_seen_at').notNullable();
    t.bigInteger('synced_at').notNullable();
    // The roster_syncs.generation of the reading that last listed this member.
    t.integer('generation').notNullable();
    t.primary(['context_id', 'sub']);
  });
  await knex.schema.createTable('roster_syncs', (t) => {
    t.string('context_id', 36).primary().references('contexts.id').onDelete('CASCADE');
    t.bigInteger('synced_at').nullable();
    t.integer('generation').notNullable().defaultTo(0);
    t.integer('member_count').notNullable().defaultTo(0);
    t.integer('pages').notNullable().defaultTo(0);
    t.bigInteger('failed_at').nullable();
    t.string('error', 500).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('roster_syncs');
  await knex.schema.dropTable('roster_members');
}
