import type { Knex } from 'knex';

/**
 * Retention per platform (issue 6): how many days after a learner's last launch their data is
 * kept. NULL keeps it until an admin erases it, which is how every platform behaved before this
 * column, so existing installs change nothing until someone sets a period
 * (npm run privacy -- retention). Schema only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('platforms', (t) => {
    t.integer('retention_days').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('platforms', (t) => {
    t.dropColumn('retention_days');
  });
}
