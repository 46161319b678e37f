/**
 * One page of a list the service returns whole (the readiness roster, the directory), with the
 * API's Pagination object. A page past the last answers the last one, as the pages and `pageParam` say.
 */
export function pageOf<T>(items: T[], page: number, pageSize: number): { items: T[]; pagination: { page: number; pageCount: number; pageSize: number; total: number } } {
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  const p = Math.min(Math.max(1, page), pageCount);
  return { items: items.slice((p - 1) * pageSize, p * pageSize), pagination: { page: p, pageCount, pageSize, total: items.length } };
}
