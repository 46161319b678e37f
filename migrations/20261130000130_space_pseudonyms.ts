import type { Knex } from 'knex';

// Anonymity to peers: each learner who appears in a space gets a number there ("Anonymous learner
// 3"), handed out in order of first appearance. Stored rather than derived, so it stays the same
// for the life of the space and says nothing about the user id it stands for.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('space_pseudonyms', (t) => {
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.integer('number').notNullable();
    t.primary(['space_id', 'user_id']);
    t.unique(['space_id', 'number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('space_pseudonyms');
}
