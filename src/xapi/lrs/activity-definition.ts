type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every Activity object with this id in a statement: object, context activities, sub-statement. */
function activitiesIn(s: Json, id: string): Json[] {
  const out: Json[] = [];
  const take = (o: unknown): void => {
    if (isObj(o) && o.id === id && (o.objectType === undefined || o.objectType === 'Activity')) out.push(o);
  };
  const fromContext = (ctx: unknown): void => {
    if (!isObj(ctx) || !isObj(ctx.contextActivities)) return;
    for (const v of Object.values(ctx.contextActivities)) for (const a of Array.isArray(v) ? v : [v]) take(a);
  };
  take(s.object);
  fromContext(s.context);
  if (isObj(s.object) && s.object.objectType === 'SubStatement') {
    take(s.object.object);
    fromContext(s.object.context);
  }
  return out;
}

const LANGUAGE_MAPS = ['name', 'description'];

/**
 * The canonical Activity for GET /activities (xAPI 1.0.3 Communication §2.5): "all available
 * information" from the statements that carry it, oldest first, later ones winning. Language maps
 * (name, description) and extensions are merged key by key, so two statements naming the activity
 * in two languages give both; other definition properties are replaced whole. An activity no
 * statement mentions is just `{objectType, id}`.
 */
export function canonicalActivity(id: string, statementsOldestFirst: Json[]): Json {
  let definition: Json | undefined;
  for (const s of statementsOldestFirst) {
    for (const a of activitiesIn(s, id)) {
      if (!isObj(a.definition)) continue;
      const next: Json = { ...(definition ?? {}) };
      for (const [k, v] of Object.entries(a.definition)) {
        const merges = LANGUAGE_MAPS.includes(k) || k === 'extensions';
        next[k] = merges && isObj(v) && isObj(next[k]) ? { ...(next[k] as Json), ...v } : v;
      }
      definition = next;
    }
  }
  return definition ? { objectType: 'Activity', id, definition } : { objectType: 'Activity', id };
}

/**
 * The Person object of GET /agents (xAPI 1.0.3 Communication §2.4): every property an array. The
 * embedded LRS keeps no directory of people, so the Person holds what is known of this agent: its
 * identifier and name as given.
 */
export function personOf(agent: Json): Json {
  const person: Json = { objectType: 'Person' };
  if (typeof agent.name === 'string') person.name = [agent.name];
  for (const k of ['mbox', 'mbox_sha1sum', 'openid', 'account']) if (agent[k] !== undefined) person[k] = [agent[k]];
  return person;
}
