import type { Knex } from 'knex';

// Connections: the short profile each person keeps for one course's people directory. Keyed by
// (context, user) so a profile written in one course is never shown in another: a course is the
// audience the person chose. `expertise` is a JSON array of free labels (≤ 10), kept as text so
// SQLite and PostgreSQL store it alike; `bio_html` is the sanitized render of `bio_markdown`.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('expert_profiles', (t) => {
    t.string('context_id', 36).notNullable().references('contexts.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.text('bio_markdown').notNullable().defaultTo('');
    t.text('bio_html').notNullable().defaultTo('');
    t.integer('render_version').notNullable().defaultTo(1);
    t.text('expertise').notNullable().defaultTo('[]');
    t.boolean('open_to_mentoring').notNullable().defaultTo(false);
    t.bigInteger('updated_at').notNullable();
    t.primary(['context_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('expert_profiles');
}
