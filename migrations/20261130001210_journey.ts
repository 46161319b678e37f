import type { Knex } from 'knex';

// Journey (issue 5): the event timeline around a training event. The event itself is not a new
// table: spaces already carry event_at and time_zone (and the spaces of one link copy the same
// event), so the journey only adds what a space lacks — the event's end and the prep rule — plus
// the follow-up schedule, reflections and action plans. Times are epoch ms, ids string(36).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('journey_settings', (t) => {
    t.string('space_id', 36).primary().references('spaces.id').onDelete('CASCADE');
    // Null: the event is instantaneous (the post-event phase opens at event_at).
    t.bigInteger('event_end_at').nullable();
    t.boolean('require_required_prompts').notNullable().defaultTo(true);
    t.integer('min_peer_replies').notNullable().defaultTo(0);
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('journey_follow_ups', (t) => {
    t.string('id', 36).primary();
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    // Calendar days after the local day the event ended.
    t.integer('days').notNullable();
    t.bigInteger('created_at').notNullable();
    // One follow-up per offset: also what lets the default schedule be inserted idempotently.
    t.unique(['space_id', 'days'], { indexName: 'journey_follow_ups_space_days_uq' });
  });
  await knex.schema.createTable('journey_prep_completions', (t) => {
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.bigInteger('completed_at').notNullable();
    // The key makes "prep completed" happen once per learner, even under concurrent answers.
    t.primary(['space_id', 'user_id']);
  });
  await knex.schema.createTable('journey_reflections', (t) => {
    t.string('id', 36).primary();
    t.string('follow_up_id', 36).notNullable().references('journey_follow_ups.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    // Markdown as written; rendered through discussion/markdown.ts when shown.
    t.text('applied_markdown').notNullable();
    t.text('helped_markdown').notNullable();
    t.text('hindered_markdown').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['follow_up_id', 'user_id'], { indexName: 'journey_reflections_one_per_user_uq' });
  });
  await knex.schema.createTable('journey_action_plans', (t) => {
    t.string('id', 36).primary();
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.text('goal').notNullable();
    t.text('situation').notNullable();
    // A local calendar date (yyyy-mm-dd) in the space's zone: a target day, not an instant.
    t.string('target_date', 10).nullable();
    t.string('status', 16).notNullable();
    t.text('barrier').notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['space_id', 'user_id'], 'journey_action_plans_space_user_idx');
  });
  await knex.schema.createTable('journey_action_plan_changes', (t) => {
    t.string('id', 36).primary();
    t.string('plan_id', 36).notNullable().references('journey_action_plans.id').onDelete('CASCADE');
    t.string('status', 16).notNullable();
    t.text('barrier').notNullable().defaultTo('');
    t.bigInteger('changed_at').notNullable();
    t.index(['plan_id', 'changed_at'], 'journey_action_plan_changes_plan_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('journey_action_plan_changes');
  await knex.schema.dropTable('journey_action_plans');
  await knex.schema.dropTable('journey_reflections');
  await knex.schema.dropTable('journey_prep_completions');
  await knex.schema.dropTable('journey_follow_ups');
  await knex.schema.dropTable('journey_settings');
}
