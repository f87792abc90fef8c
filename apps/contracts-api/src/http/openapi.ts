import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse, type HeaderObject, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
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
  },
  additionalProperties: true,
};

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const RETRY_AFTER: HeaderObject = {
  description: 'With 503 and 409 CONCURRENCY_CONFLICT: seconds after which the same request may succeed',
  schema: { type: 'integer' },
};

/**
 * The problems a route can answer, one response per status, each naming its codes. Statuses come
 * from the catalog, so the document cannot disagree with what is sent.
 */
export function ApiProblems(...codes: PublicErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, PublicErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_CATALOG[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `\`${code}\``).join(', '),
        // problem.filter.ts sends Retry-After with these.
        ...(status === 503 || list.includes('CONCURRENCY_CONFLICT') ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
        content: {
          [PROBLEM_MEDIA_TYPE]: {
            schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: list } } }] },
          },
        },
      }),
    ),
  );
}

/** Routes that take a JSON body: Fastify refuses a bad one before any handler runs. */
export const BODY_PROBLEMS: PublicErrorCode[] = ['VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** Every route behind the guard: no or a bad token, a role not allowed. */
export const AUTH_PROBLEMS: PublicErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];

/** A command through CommandResponder: idempotency, a lost race, a store that is away. */
export const COMMAND_PROBLEMS: PublicErrorCode[] = [...BODY_PROBLEMS, ...AUTH_PROBLEMS, 'IDEMPOTENCY_KEY_REUSED', 'CONCURRENCY_CONFLICT', 'SERVICE_UNAVAILABLE'];

/** A command on an existing contract: someone else's or unknown is a 404, a stale If-Match a 412. */
export const CONTRACT_COMMAND_PROBLEMS: PublicErrorCode[] = [...COMMAND_PROBLEMS, 'NOT_FOUND', 'PRECONDITION_FAILED'];

export const ApiIdempotencyKey = (description = 'A retry with the same key and body returns the first answer, byte for byte with the header Idempotent-Replayed: true, and appends nothing') =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description });

export const ApiIfMatch = () => ApiHeader({ name: 'If-Match', required: false, description: 'The ETag the caller saw, e.g. "3" (a list such as "3", "4" matches any of them; a bare 3 is read as "3"); a stale one is 412 PRECONDITION_FAILED, as is a tag we never send (a weak W/"3", "03": compared strongly, RFC 9110), after the 404 of a contract that does not exist; * is any current revision' });

export const ETAG_HEADER: HeaderObject = { description: 'The contract revision, e.g. "3": send it back as If-Match', schema: { type: 'string' } };

export const CHECKPOINT_HEADER: HeaderObject = {
  description: 'Position of the last event the read model includes (also `checkpoint` in a JSON body)',
  schema: { type: 'string' },
};

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
