import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

export type SpaceKind = 'prep' | 'post_event';

export interface Space extends SpaceSettings {
  id: string;
  contextId: string;
  resourceLinkId: string | null;
  kind: SpaceKind;
  title: string;
  eventAt: number | null;
  timeZone: string;
  createdBy: string | null;
  createdAt: number;
}

/** What staff change on the settings page (besides title and event): see space-settings.ts. */
export interface SpaceSettings {
  /** The intro as written (Markdown) and its sanitized render; '' when there is none. */
  introMarkdown: string;
  introHtml: string;
  /** Learners may post from opensAt until closesAt (epoch ms, either open-ended when null). */
  opensAt: number | null;
  closesAt: number | null;
  /** Locked: learners read but do not post, whatever the dates. */
  locked: boolean;
  /** 'peers': learners see other learners under a pseudonym; staff always see names. */
  anonymity: 'off' | 'peers';
  /** A learner sees peers' answers to a prompt only once they have answered it. */
  postFirst: boolean;
}

export const DEFAULT_SETTINGS: SpaceSettings = Object.freeze({ introMarkdown: '', introHtml: '', opensAt: null, closesAt: null, locked: false, anonymity: 'off', postFirst: false });

export type NewSpace = Omit<Space, 'id' | 'createdAt' | keyof SpaceSettings>;

export interface SpaceStore {
  create(s: NewSpace, now: number): Promise<Space>;
  /** Scoped by context: an id from another course is simply not found. */
  get(contextId: string, id: string): Promise<Space | null>;
  findByResourceLink(resourceLinkId: string): Promise<Space | null>;
  /** Binds an unbound space to a link; false when it is already bound elsewhere. */
  bindResourceLink(contextId: string, id: string, resourceLinkId: string, now: number): Promise<boolean>;
  /** Writes title, event and settings; false when the space is not in this context. */
  updateSettings(contextId: string, id: string, change: Pick<Space, 'title' | 'eventAt' | 'timeZone'> & SpaceSettings, now: number): Promise<boolean>;
}

interface Row {
  id: string;
  context_id: string;
  resource_link_id: string | null;
  kind: SpaceKind;
  title: string;
  event_at: number | null;
  time_zone: string;
  created_by: string | null;
  created_at: number;
  intro_markdown: string;
  intro_html: string;
  opens_at: number | string | null;
  closes_at: number | string | null;
  locked: boolean | number;
  anonymity: 'off' | 'peers';
  post_first: boolean | number;
}

const fromRow = (r: Row): Space => ({
  id: r.id,
  contextId: r.context_id,
  resourceLinkId: r.resource_link_id,
  kind: r.kind,
  title: r.title,
  eventAt: r.event_at === null ? null : Number(r.event_at),
  timeZone: r.time_zone,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  introMarkdown: r.intro_markdown ?? '',
  introHtml: r.intro_html ?? '',
  opensAt: r.opens_at === null || r.opens_at === undefined ? null : Number(r.opens_at),
  closesAt: r.closes_at === null || r.closes_at === undefined ? null : Number(r.closes_at),
  // SQLite hands booleans back as 0/1 and PostgreSQL as true/false.
  locked: Boolean(r.locked),
  anonymity: r.anonymity === 'peers' ? 'peers' : 'off',
  postFirst: Boolean(r.post_first),
});

export function createSpaceStore(db: Db): SpaceStore {
  return {
    async create(s, now) {
      const id = newId();
      await db('spaces').insert({
        id,
        context_id: s.contextId,
        resource_link_id: s.resourceLinkId,
        kind: s.kind,
        title: s.title,
        event_at: s.eventAt,
        time_zone: s.timeZone,
        created_by: s.createdBy,
        created_at: now,
        updated_at: now,
      });
      return { ...s, ...DEFAULT_SETTINGS, id, createdAt: now };
    },
    async get(contextId, id) {
      const r = await db<Row>('spaces').where({ id, context_id: contextId }).first();
      return r ? fromRow(r) : null;
    },
    async findByResourceLink(resourceLinkId) {
      const r = await db<Row>('spaces').where({ resource_link_id: resourceLinkId }).first();
      return r ? fromRow(r) : null;
    },
    async bindResourceLink(contextId, id, resourceLinkId, now) {
      const n = await db('spaces')
        .where({ id, context_id: contextId })
        .where((q) => q.whereNull('resource_link_id').orWhere({ resource_link_id: resourceLinkId }))
        .update({ resource_link_id: resourceLinkId, updated_at: now });
      return n === 1;
    },
    async updateSettings(contextId, id, c, now) {
      const n = await db('spaces').where({ id, context_id: contextId }).update({
        title: c.title,
        event_at: c.eventAt,
        time_zone: c.timeZone,
        intro_markdown: c.introMarkdown,
        intro_html: c.introHtml,
        opens_at: c.opensAt,
        closes_at: c.closesAt,
        locked: c.locked,
        anonymity: c.anonymity,
        post_first: c.postFirst,
        updated_at: now,
      });
      return n === 1;
    },
  };
}
