import type { Knex } from 'knex';

// Participation grading (optional per space): the weights staff chose and the gradebook column
// (AGS line item) scores go to; and per learner the last computed score and whether the LMS has
// it (pending / synced / failed, with attempts and when to retry), so a failed send is retried.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('grading_settings', (t) => {
    t.string('space_id', 36).primary().references('spaces.id').onDelete('CASCADE');
    t.boolean('enabled').notNullable().defaultTo(false);
    t.integer('weight_prep').notNullable();
    t.integer('weight_replies').notNullable();
    t.integer('weight_reflections').notNullable();
    t.integer('replies_target').notNullable();
    // Known after the first sync from a staff launch: the background retry has no launch.
    t.string('platform_id', 36).nullable().references('platforms.id').onDelete('SET NULL');
    t.text('line_item_url').nullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('grade_syncs', (t) => {
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    // AGS 2.0 §3.4: the score names the learner by their LTI sub.
    t.string('sub', 255).notNullable();
    t.double('score').notNullable();
    t.string('status', 16).notNullable();
    t.text('error').nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').nullable();
    t.bigInteger('synced_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.primary(['space_id', 'user_id']);
    t.index(['status', 'next_attempt_at'], 'grade_syncs_due_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('grade_syncs');
  await knex.schema.dropTable('grading_settings');
}
