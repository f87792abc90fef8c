import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse, type HeaderObject, type OpenAPIObject, type OperationObject, type ResponseObject, type SchemaObject } from '@nestjs/swagger';
import { ARRAY_MAX_SIZE, getMetadataStorage, IS_IN, IS_NOT_EMPTY, IS_POSITIVE, IS_UUID, MATCHES, MAX, MAX_LENGTH, MIN } from 'class-validator';
import { ERROR_CATALOG, type PublicErrorCode } from './error-catalog';

/** RFC 9457 problem details as every error is answered (problem.ts); registered as `#/components/schemas/Problem`. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'RFC 9457 problem details. Clients branch on `code`; people read `detail` or `detailFa`. ' +
    'An occurrence may add its own fields (e.g. `reasons`, `minPremium`/`maxPremium`, `currentRevision`, `contractStatus`).',
  required: ['type', 'title', 'status', 'code', 'detail', 'detailFa'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'Stable per code' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_CATALOG) },
    detail: { type: 'string' },
    detailFa: { type: 'string', description: 'The detail in Persian' },
    errors: {
      type: 'array',
      description: 'Each field problem of a 400 VALIDATION_FAILED (at most 20; `errorsNotListed` counts the rest)',
      items: {
        type: 'object',
        required: ['field', 'message', 'messageFa'],
        properties: {
          field: { type: 'string', description: 'Dotted path into the body or query (or a header name), e.g. `confirm.premiumRate`' },
          message: { type: 'string' },
          messageFa: { type: 'string', description: 'The message in Persian' },
        },
      },
    },
    errorsNotListed: { type: 'integer', description: 'Field problems found beyond those listed in `errors` (absent when none)' },
    // The members some codes add (docs/errors.md says which code adds which).
    reasons: { type: 'array', items: { type: 'string' }, description: 'NOT_ELIGIBLE, BRANCH_VISIT_REQUIRED: every reason that applies' },
    reason: { type: 'string', description: 'Which case of the code, e.g. `exam_overdue` (PAYMENTS_BLOCKED), `idempotency_key_in_progress` (CONCURRENCY_CONFLICT)' },
    termsVersion: { type: 'string', description: 'TERMS_NOT_ACCEPTED: the regulation version in force' },
    examDeadline: { type: 'string', format: 'date', description: 'The last day of the exam window' },
    minPremium: { type: 'integer', description: 'WAGE_OUT_OF_RANGE: integer rial' },
    maxPremium: { type: 'integer', description: 'WAGE_OUT_OF_RANGE: integer rial' },
    requestedMonthlyPremium: { type: 'integer', description: 'WAGE_OUT_OF_RANGE: the premium refused' },
    expected: {
      type: 'object',
      description: 'QUOTE_MISMATCH: what the rules give now',
      properties: { premiumRate: { type: 'number' }, wageBasis: { type: 'integer' }, startDate: { type: 'string', format: 'date' } },
    },
    paymentDeadline: { type: 'string', format: 'date', description: 'PAYMENT_DEADLINE_PASSED' },
    period: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'PAYMENTS_BLOCKED: the first Jalali period that may not be paid yet' },
    expectedAmount: { type: 'integer', description: 'AMOUNT_MISMATCH: the premium × periods, integer rial' },
    latestPaidAt: { type: 'string', format: 'date-time', description: 'PAID_AT_IMPLAUSIBLE (in_the_future)' },
    earliestPaidAt: { type: 'string', format: 'date-time', description: 'PAID_AT_IMPLAUSIBLE (before_contract_date)' },
    contractDate: { type: 'string', format: 'date', description: 'PAID_AT_IMPLAUSIBLE' },
    contractStatus: { type: 'string', description: 'CONTRACT_NOT_ACTIVE (not to a bank)' },
    examStatus: { type: 'string', description: 'EXAM_STEP_NOT_ALLOWED' },
    missing: { type: 'array', items: { type: 'string' }, description: 'DOCUMENTS_REQUIRED: the document kinds the case needs' },
    fields: { type: 'array', items: { type: 'string' }, description: "REGISTRY_DATA_INVALID: the registry record's fields that cannot be used" },
    contractId: { type: 'string', format: 'uuid', description: 'ACTIVE_CONTRACT_EXISTS: the contract held' },
    paymentId: { type: 'string', description: 'BANK_REFERENCE_REUSED: the payment the reference made' },
    currentRevision: { type: 'integer', description: 'PRECONDITION_FAILED: send it as If-Match after reading the contract again' },
    latestRevision: { type: 'integer', description: 'NOT_FOUND of `state?revision=`: the newest revision' },
    position: { type: 'string', description: 'AUDIT_CHAIN_BROKEN' },
    checkpoint: { type: 'string', description: 'AUDIT_CHAIN_BROKEN' },
    failing: { type: 'array', items: { type: 'string', enum: ['readStore', 'eventStore', 'projections'] }, description: 'SERVICE_UNAVAILABLE of `/health/ready`: the checks that are down' },
  },
  additionalProperties: true,
};

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const RETRY_AFTER: HeaderObject = {
  description: 'With 503 and 409 CONCURRENCY_CONFLICT: seconds after which the same request may succeed',
  schema: { type: 'integer' },
};

const WWW_AUTHENTICATE: HeaderObject = {
  description: '`Bearer`, with `error="invalid_token"` when a token was sent and refused, `error="invalid_request"` when two Authorization headers were (RFC 6750)',
  schema: { type: 'string' },
};

/**
 * The problems a route can answer, one response per status, each naming its codes. Statuses come
 * from the catalog, so the document cannot disagree with what is sent.
 */
export function ApiProblems(...codes: PublicErrorCode[]): MethodDecorator {
  return applyDecorators(...[...byStatus(codes)].map(([status, list]) => ApiResponse({ status, ...problemResponse(status, list) })));
}

function byStatus(codes: readonly PublicErrorCode[]): Map<number, PublicErrorCode[]> {
  const grouped = new Map<number, PublicErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_CATALOG[code];
    grouped.set(status, [...(grouped.get(status) ?? []), code]);
  }
  return grouped;
}

function problemResponse(status: number, codes: readonly PublicErrorCode[]): ResponseObject {
  // problem.filter.ts and the guard send these headers with these.
  const headers: Record<string, HeaderObject> = {};
  if (status === 503 || codes.includes('CONCURRENCY_CONFLICT')) headers['Retry-After'] = RETRY_AFTER;
  if (status === 401) headers['WWW-Authenticate'] = WWW_AUTHENTICATE;
  return {
    description: codes.map((code) => `\`${code}\``).join(', '),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] },
      },
    },
  };
}

/**
 * Problems the HTTP layer answers before any handler, by the shape of the route: a path parameter
 * too long (414) or badly escaped (400 BAD_REQUEST), a body that does not arrive in time (408).
 * Added to every such operation here, so that none can leave them out.
 */
export function withHttpLayerProblems(document: OpenAPIObject): OpenAPIObject {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as OperationObject[]) {
      const codes: PublicErrorCode[] = [];
      if (operation.parameters?.some((parameter) => 'in' in parameter && parameter.in === 'path')) codes.push('BAD_REQUEST', 'URI_TOO_LONG');
      if (operation.requestBody) codes.push('REQUEST_TIMEOUT');
      for (const [status, list] of byStatus(codes)) {
        const key = String(status);
        const existing = operation.responses[key] as ResponseObject | undefined;
        const listed = existing?.content?.[PROBLEM_MEDIA_TYPE] ? problemCodes(existing) : [];
        operation.responses[key] = problemResponse(status, [...listed, ...list.filter((code) => !listed.includes(code))]);
      }
    }
  }
  return document;
}

/** The codes a problem response built by `problemResponse` names. */
function problemCodes(response: ResponseObject): PublicErrorCode[] {
  const schema = response.content![PROBLEM_MEDIA_TYPE]!.schema as { allOf: [unknown, { properties: { code: { enum: PublicErrorCode[] } } }] };
  return schema.allOf[1].properties.code.enum;
}

/** Routes that take a JSON body: Fastify refuses a bad one before any handler runs (a slow one: `withHttpLayerProblems`). */
export const BODY_PROBLEMS: PublicErrorCode[] = ['VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** Every route behind the guard: no or a bad token, a role not allowed. */
export const AUTH_PROBLEMS: PublicErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];

/** A command through CommandResponder: idempotency, a lost race, a store that is away. */
export const COMMAND_PROBLEMS: PublicErrorCode[] = [...BODY_PROBLEMS, ...AUTH_PROBLEMS, 'IDEMPOTENCY_KEY_REUSED', 'CONCURRENCY_CONFLICT', 'SERVICE_UNAVAILABLE'];

/** A command on an existing contract: someone else's or unknown is a 404, a stale If-Match a 412. */
export const CONTRACT_COMMAND_PROBLEMS: PublicErrorCode[] = [...COMMAND_PROBLEMS, 'NOT_FOUND', 'PRECONDITION_FAILED'];

export const ApiIdempotencyKey = (description = 'A retry with the same key and body returns the first answer, byte for byte with the header Idempotent-Replayed: true, and appends nothing') =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' } });

export const ApiIfMatch = () =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag the caller saw, e.g. "3" (a list such as "3", "4" matches any of them; a bare 3 is read as "3"); a stale one is 412 PRECONDITION_FAILED, as is a tag we never send (a weak W/"3", "03": compared strongly, RFC 9110), after the 404 of a contract that does not exist; * is any current revision; anything else is 400 VALIDATION_FAILED. ' +
      'It is part of the request a retry repeats (the same Idempotency-Key with another If-Match is another request), except on a payment: the same payment is the same whatever If-Match its retry sends',
  });

export const ETAG_HEADER: HeaderObject = { description: 'The contract revision, e.g. "3": send it back as If-Match', schema: { type: 'string' } };

/** A command's success: its contract's revision, and whether it is the kept answer to an earlier request. */
export const IDEMPOTENT_REPLAYED_HEADER: HeaderObject = {
  description: '`true` when this is the kept answer to an earlier request with the same Idempotency-Key (or bankReference)',
  schema: { type: 'string', enum: ['true'] },
};

export const COMMAND_HEADERS: Record<string, HeaderObject> = { ETag: ETAG_HEADER, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER };

export const CHECKPOINT_HEADER: HeaderObject = {
  description: 'Position of the last event the read model includes (also `checkpoint` in the JSON body of slips, eligibility, notifications and the dashboard)',
  schema: { type: 'string' },
};

/** A national code in a path or query (`ParseNationalCodePipe`). */
export const NATIONAL_CODE_PARAMETER = {
  required: true,
  description: '10 digits (Persian or Arabic digits are read too) with a valid check digit',
  // The pattern admits what is read: ASCII, Persian (U+06F0–9) and Arabic-Indic (U+0660–9) digits.
  schema: { type: 'string', pattern: '^[0-9\\u06F0-\\u06F9\\u0660-\\u0669]{10}$' },
} as const;

/** Money: integer rial everywhere. */
export const RIAL = { type: 'integer', description: 'Integer rial' } as const;

/** The values of a string union, checked complete by the compiler. */
export const valuesOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

/** What class-validator's rules say in JSON Schema's words; the others (a national code's check digit) are in the descriptions. */
const RULE_KEYWORDS: Record<string, (constraints: unknown[]) => SchemaObject> = {
  [MAX_LENGTH]: ([length]) => ({ maxLength: length as number }),
  [IS_NOT_EMPTY]: () => ({ minLength: 1 }),
  [MIN]: ([minimum]) => ({ minimum: minimum as number }),
  [MAX]: ([maximum]) => ({ maximum: maximum as number }),
  [IS_POSITIVE]: () => ({ minimum: 0, exclusiveMinimum: true }),
  [MATCHES]: ([pattern]) => ({ pattern: (pattern as RegExp).source }),
  [ARRAY_MAX_SIZE]: ([size]) => ({ maxItems: size as number }),
  [IS_IN]: ([values]) => ({ enum: values as unknown[] }),
  [IS_UUID]: () => ({ format: 'uuid' }),
};

/**
 * The request schemas with the limits the validation pipe enforces, read from the DTOs' own
 * class-validator rules (the generator reads only @ApiProperty), and closed to unknown fields, as
 * the pipe is: a client generated from the document learns them from it, not from 400s.
 */
export function withValidationRules(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const target of validatedClasses()) {
    const schema = schemas[target.name];
    if (!schema?.properties) continue;
    schema.additionalProperties = false;
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
      const keywords = rule.name === undefined ? undefined : RULE_KEYWORDS[rule.name];
      let property = schema.properties[rule.propertyName] as SchemaObject | undefined;
      if (rule.each) property = property?.items as SchemaObject | undefined;
      if (!keywords || !property || '$ref' in property) continue;
      if (rule.name === IS_NOT_EMPTY && property.type !== 'string') continue; // for text only: "not empty"
      Object.assign(property, keywords(rule.constraints));
    }
  }
  return document;
}

/** Every class with a validation rule: class-validator keeps them in a map it does not list publicly. */
function validatedClasses(): Function[] {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, unknown> };
  return [...storage.validationMetadatas.keys()].filter((target): target is Function => typeof target === 'function');
}
