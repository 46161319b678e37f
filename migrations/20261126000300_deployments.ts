import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deployments', (t) => {
    t.string('id', 36).primary();
    t.string('platform_id', 36).notNullable().references('platforms.id').onDelete('CASCADE');
    t.string('deployment_id', 255).notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['platform_id', 'deployment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deployments');
}
