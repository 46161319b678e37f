import validation from '@learninglocker/xapi-validation';

type Validate = typeof validation.default;
/**
 * Learning Locker's xAPI 1.0.x statement validator (MIT). It is CommonJS with `exports.default`;
 * depending on the loader's interop the default import is the function or the exports object.
 */
const validate: Validate = typeof validation === 'function' ? (validation as unknown as Validate) : validation.default;

/** One line per problem (path: warning); empty means the statement is valid. */
export function statementProblems(statement: unknown): string[] {
  return validate(statement).map((w) => `${w.path.join('.')}: ${w.name}`);
}
