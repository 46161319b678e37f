import type { Knex } from 'knex';

// The people, courses and links a launch names. Each is scoped to its platform/deployment so
// nothing is ever shared across platforms, deployments or contexts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 36).primary();
    t.string('platform_id', 36).notNullable().references('platforms.id').onDelete('CASCADE');
    t.string('sub', 255).notNullable();
    t.string('name', 255).nullable();
    t.string('given_name', 255).nullable();
    t.string('family_name', 255).nullable();
    t.string('email', 320).nullable();
    t.string('picture', 1024).nullable();
    t.string('locale', 35).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['platform_id', 'sub']);
  });
  await knex.schema.createTable('contexts', (t) => {
    t.string('id', 36).primary();
    t.string('deployment_id', 36).notNullable().references('deployments.id').onDelete('CASCADE');
    t.string('context_id', 255).notNullable();
    t.string('label', 255).nullable();
    t.string('title', 1024).nullable();
    t.text('types').notNullable().defaultTo('[]');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['deployment_id', 'context_id']);
  });
  await knex.schema.createTable('resource_links', (t) => {
    t.string('id', 36).primary();
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    t.string('resource_link_id', 255).notNullable();
    t.string('title', 1024).nullable();
    t.text('description').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['context_id', 'resource_link_id']);
  });
  await knex.schema.createTable('enrolments', (t) => {
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.text('roles').notNullable();
    t.bigInteger('first_launch_at').notNullable();
    t.bigInteger('last_launch_at').notNullable();
    t.primary(['context_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('enrolments');
  await knex.schema.dropTable('resource_links');
  await knex.schema.dropTable('contexts');
  await knex.schema.dropTable('users');
}
