/**
 * The subset of the xAPI 1.0.3 statement model Threadline emits (xAPI 1.0.3 Data §2.4). Kept
 * narrow on purpose: every shape here is one the statement builder produces and the tests validate.
 */
export type LanguageMap = Record<string, string>;

/** xAPI 1.0.3 Data §2.4.2.4: an account on a system, identified by that system's home page. */
export interface XapiAccount {
  homePage: string;
  name: string;
}

export interface XapiAgent {
  objectType: 'Agent';
  /** Display name; only sent when the install opts in (XAPI_ACTOR_NAMES). */
  name?: string;
  account: XapiAccount;
}

export interface XapiActivityDefinition {
  type?: string;
  name?: LanguageMap;
  description?: LanguageMap;
}

export interface XapiActivity {
  objectType: 'Activity';
  id: string;
  definition?: XapiActivityDefinition;
}

export interface XapiVerb {
  id: string;
  display: LanguageMap;
}

export interface XapiResult {
  completion?: boolean;
  response?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface XapiContext {
  registration?: string;
  contextActivities?: {
    parent?: XapiActivity[];
    grouping?: XapiActivity[];
    category?: XapiActivity[];
    other?: XapiActivity[];
  };
  /** xAPI 1.0.3 Data §2.4.6: only allowed when the object is an Activity. */
  platform?: string;
  language?: string;
  extensions?: Record<string, JsonValue>;
}

export interface XapiStatement {
  id: string;
  actor: XapiAgent;
  verb: XapiVerb;
  object: XapiActivity | XapiAgent;
  result?: XapiResult;
  context?: XapiContext;
  timestamp: string;
}
