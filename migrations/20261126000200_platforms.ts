import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('platforms', (t) => {
    t.string('id', 36).primary();
    t.string('issuer', 512).notNullable();
    // Canvas uses one issuer for every customer, so a platform is keyed by issuer + client id.
    t.string('client_id', 255).notNullable();
    t.string('name', 255).notNullable().defaultTo('');
    t.string('product_family', 64).nullable();
    t.string('auth_endpoint', 1024).notNullable();
    t.string('token_endpoint', 1024).notNullable();
    t.string('jwks_uri', 1024).notNullable();
    // Brightspace: the client assertion's aud differs from the token endpoint.
    t.string('token_audience', 1024).nullable();
    t.string('source', 16).notNullable(); // dynamic | manual
    t.string('status', 16).notNullable().defaultTo('active'); // active | disabled
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['issuer', 'client_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('platforms');
}
