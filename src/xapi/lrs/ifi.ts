/**
 * Index keys the embedded LRS derives from a statement (xAPI 1.0.3 Data §2.4.2.3: an Agent or
 * identified Group is identified by exactly one inverse functional identifier).
 */
type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A normalised string form of an agent's IFI, or null when it has none (an anonymous group). */
export function agentKey(agent: unknown): string | null {
  if (!isObj(agent)) return null;
  if (typeof agent.mbox === 'string') return `mbox|${agent.mbox.toLowerCase()}`;
  if (typeof agent.mbox_sha1sum === 'string') return `mbox_sha1sum|${agent.mbox_sha1sum.toLowerCase()}`;
  if (typeof agent.openid === 'string') return `openid|${agent.openid}`;
  const acc = agent.account;
  if (isObj(acc) && typeof acc.homePage === 'string' && typeof acc.name === 'string') return `account|${acc.homePage}|${acc.name}`;
  return null;
}

/** The agent reduced to its IFI (format=ids). */
export function agentIds(agent: unknown): unknown {
  if (!isObj(agent)) return agent;
  const out: Json = {};
  if (agent.objectType !== undefined) out.objectType = agent.objectType;
  for (const k of ['mbox', 'mbox_sha1sum', 'openid', 'account']) if (agent[k] !== undefined) out[k] = agent[k];
  if (agent.objectType === 'Group' && Array.isArray(agent.member) && agentKey(agent) === null) out.member = agent.member.map(agentIds);
  return out;
}

export interface StatementIndex {
  verbId: string;
  actorKey: string | null;
  activityId: string | null;
  objectStatementId: string | null;
  registration: string | null;
  /** [agent key, related] pairs, deduplicated. */
  agents: Array<[string, boolean]>;
  /** [activity id, related] pairs, deduplicated. */
  activities: Array<[string, boolean]>;
}

function agentsOf(agent: unknown): string[] {
  if (!isObj(agent)) return [];
  const keys: string[] = [];
  const k = agentKey(agent);
  if (k) keys.push(k);
  return keys;
}

function membersOf(agent: unknown): string[] {
  if (!isObj(agent) || !Array.isArray(agent.member)) return [];
  return agent.member.map(agentKey).filter((k): k is string => k !== null);
}

function contextActivityIds(ctx: unknown): string[] {
  if (!isObj(ctx) || !isObj(ctx.contextActivities)) return [];
  const ids: string[] = [];
  for (const v of Object.values(ctx.contextActivities)) {
    const list = Array.isArray(v) ? v : [v];
    for (const a of list) if (isObj(a) && typeof a.id === 'string') ids.push(a.id);
  }
  return ids;
}

function contextAgents(ctx: unknown): string[] {
  if (!isObj(ctx)) return [];
  return [...agentsOf(ctx.instructor), ...membersOf(ctx.instructor), ...agentsOf(ctx.team), ...membersOf(ctx.team)];
}

const isAgentLike = (o: Json): boolean => o.objectType === 'Agent' || o.objectType === 'Group';

export function indexStatement(s: Json): StatementIndex {
  const agents = new Map<string, boolean>();
  const activities = new Map<string, boolean>();
  const addAgent = (k: string, related: boolean): void => {
    if (!agents.has(`${k}\u0000${related}`)) agents.set(`${k}\u0000${related}`, related);
  };
  const addActivity = (id: string, related: boolean): void => {
    activities.set(`${id}\u0000${related}`, related);
  };
  // Actor and an Agent/Group object match `agent` directly; members, context agents, the authority
  // and everything inside a sub-statement match only with related_agents=true.
  for (const k of agentsOf(s.actor)) addAgent(k, false);
  for (const k of membersOf(s.actor)) addAgent(k, true);
  const obj = isObj(s.object) ? s.object : {};
  let activityId: string | null = null;
  let objectStatementId: string | null = null;
  if (isAgentLike(obj)) {
    for (const k of agentsOf(obj)) addAgent(k, false);
    for (const k of membersOf(obj)) addAgent(k, true);
  } else if (obj.objectType === 'StatementRef') {
    objectStatementId = typeof obj.id === 'string' ? obj.id.toLowerCase() : null;
  } else if (obj.objectType === 'SubStatement') {
    for (const k of [...agentsOf(obj.actor), ...membersOf(obj.actor), ...contextAgents(obj.context)]) addAgent(k, true);
    const so = isObj(obj.object) ? obj.object : {};
    if (isAgentLike(so)) for (const k of [...agentsOf(so), ...membersOf(so)]) addAgent(k, true);
    else if (typeof so.id === 'string' && so.objectType !== 'StatementRef') addActivity(so.id, true);
    for (const id of contextActivityIds(obj.context)) addActivity(id, true);
  } else if (typeof obj.id === 'string') {
    activityId = obj.id;
    addActivity(obj.id, false);
  }
  for (const k of contextAgents(s.context)) addAgent(k, true);
  for (const k of [...agentsOf(s.authority), ...membersOf(s.authority)]) addAgent(k, true);
  for (const id of contextActivityIds(s.context)) addActivity(id, true);
  const verb = isObj(s.verb) && typeof s.verb.id === 'string' ? s.verb.id : '';
  const ctx = isObj(s.context) ? s.context : {};
  return {
    verbId: verb,
    actorKey: agentKey(s.actor),
    activityId,
    objectStatementId,
    registration: typeof ctx.registration === 'string' ? ctx.registration.toLowerCase() : null,
    agents: [...agents.entries()].map(([k, r]) => [k.split('\u0000')[0]!, r]),
    activities: [...activities.entries()].map(([k, r]) => [k.split('\u0000')[0]!, r]),
  };
}

/** An Activity reduced to its id: objectType "Activity" is the default and adds nothing. */
const activityIds = (a: unknown): unknown => (isObj(a) ? { id: a.id } : a);

/**
 * format=ids (xAPI 1.0.3 Communication §2.1.3): only what identifies each Agent, Group, Activity
 * and Verb — agents to their IFIs, verbs and activities to their ids — inside a SubStatement too.
 */
export function idsFormat(s: Json): Json {
  const out: Json = { ...s, actor: agentIds(s.actor) };
  if (isObj(s.verb)) out.verb = { id: s.verb.id };
  if (isObj(s.object)) {
    const o = s.object;
    if (isAgentLike(o)) out.object = agentIds(o);
    else if (o.objectType === 'SubStatement') out.object = idsFormat(o);
    else if (o.objectType === 'StatementRef') out.object = o;
    else out.object = activityIds(o);
  }
  if (isObj(s.context)) {
    const c: Json = { ...s.context };
    if (isObj(c.contextActivities)) {
      c.contextActivities = Object.fromEntries(Object.entries(c.contextActivities).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(activityIds)]));
    }
    if (c.instructor !== undefined) c.instructor = agentIds(c.instructor);
    if (c.team !== undefined) c.team = agentIds(c.team);
    out.context = c;
  }
  if (s.authority !== undefined) out.authority = agentIds(s.authority);
  return out;
}
