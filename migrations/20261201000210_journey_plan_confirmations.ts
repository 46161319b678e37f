import type { Knex } from 'knex';

// Issue 5: a mentor (LTI role_scope_mentor) confirms a mentee's action plan was "applied on the
// job", with a comment. One row per mentor per plan: a second confirmation edits the comment
// (updated_at) rather than adding another, so "confirmed by N mentors" counts people, not clicks.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journey_plan_confirmations', (t) => {
    t.string('id', 36).primary();
    t.string('plan_id', 36).notNullable().references('journey_action_plans.id').onDelete('CASCADE');
    t.string('mentor_user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.text('comment').notNullable();
    t.bigInteger('confirmed_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['plan_id', 'mentor_user_id'], { indexName: 'journey_plan_confirmations_one_per_mentor_uq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('journey_plan_confirmations');
}
