import type { Db } from '../db/knex.js';
import { newId } from '../ids.js';

export type SpaceKind = 'prep' | 'post_event';

export interface Space {
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

export type NewSpace = Omit<Space, 'id' | 'createdAt'>;

export interface SpaceStore {
  create(s: NewSpace, now: number): Promise<Space>;
  /** Scoped by context: an id from another course is simply not found. */
  get(contextId: string, id: string): Promise<Space | null>;
  findByResourceLink(resourceLinkId: string): Promise<Space | null>;
  /** Binds an unbound space to a link; false when it is already bound elsewhere. */
  bindResourceLink(contextId: string, id: string, resourceLinkId: string, now: number): Promise<boolean>;
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
      return { ...s, id, createdAt: now };
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
  };
}
