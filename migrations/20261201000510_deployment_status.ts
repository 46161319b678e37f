import type { Knex } from 'knex';

// A deployment can be disabled by an admin without removing it (and its courses' data): a launch
// through a disabled deployment is refused (LTI Core §5.1.2 deployment_id: the tool decides which
// deployments it accepts). Existing rows stay active.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deployments', (t) => {
    t.string('status', 16).notNullable().defaultTo('active'); // active | disabled
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deployments', (t) => {
    t.dropColumn('status');
  });
}
