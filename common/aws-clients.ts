import { AsyncLocalStorage } from 'node:async_hooks'
import { AWS_OPERATION_PROPERTY, errorMessage } from './errors.js'
import type { Logger } from './log.js'

/** Attempts per request (first try included) when neither the option nor AWS_MAX_ATTEMPTS sets one. */
export const DEFAULT_MAX_ATTEMPTS = 5

export interface AwsClientOptions {
  region: string
  /** Receives one line per retry and per request given up after retries. */
  logger?: Logger
  /** Attempts per request, first try included; defaults to AWS_MAX_ATTEMPTS, then 5. */
  maxAttempts?: number
  /** Environment that endpoints, AWS_MAX_ATTEMPTS and access keys are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv
  /**
   * Limit of one attempt of a request, in ms: connecting, sending the
   * request and receiving the response headers. An attempt that takes longer
   * fails with a TimeoutError, which the retry strategy retries like any
   * transient error. Undefined: no limit, as in the SDK.
   */
  attemptTimeoutMs?: number
}

/**
 * Returns the environment variable that contains a service's endpoint:
 * AWS_ENDPOINT_URL_ followed by the SDK service id upper-cased, with spaces
 * and hyphens turned into underscores ('Elastic Load Balancing v2' gives
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2), as the AWS SDKs name it.
 */
export function endpointVariable(serviceId: string): string {
  const suffix = serviceId
    .trim()
    .replace(/[\s-]+/g, '_')
    .toUpperCase()
  return `AWS_ENDPOINT_URL_${suffix}`
}

/**
 * Returns the endpoint URL configured for a service: AWS_ENDPOINT_URL_<SERVICE>
 * first, then AWS_ENDPOINT_URL, or undefined when neither is set (an empty
 * value counts as not set). Throws when the value is not an http or https
 * URL, naming the variable.
 */
export function endpointFor(
  serviceId: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const name of [endpointVariable(serviceId), 'AWS_ENDPOINT_URL']) {
    const value = env[name]?.trim()
    if (value) return checkEndpointUrl(name, value)
  }
  return undefined
}

function checkEndpointUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(
      `Invalid ${name} '${value}': not a URL. Set it to an http or https URL such as http://127.0.0.1:5000, or unset it to use the AWS endpoint.`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `Invalid ${name} '${value}': the scheme must be http or https, got '${url.protocol}'. Use a URL such as http://127.0.0.1:5000.`,
    )
  }
  if (url.username || url.password) {
    throw new Error(
      `Invalid ${name}: the URL must not contain a user name or password. Pass credentials through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
    )
  }
  return value
}

function resolveMaxAttempts(
  option: number | undefined,
  env: NodeJS.ProcessEnv,
): number {
  if (option !== undefined) {
    if (!Number.isInteger(option) || option < 1) {
      throw new RangeError(
        `Invalid maxAttempts ${option}: use an integer of 1 or more (1 turns retries off).`,
      )
    }
    return option
  }
  const text = env.AWS_MAX_ATTEMPTS?.trim()
  if (!text) return DEFAULT_MAX_ATTEMPTS
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `Invalid AWS_MAX_ATTEMPTS '${text}': use an integer of 1 or more, or unset it for the default of ${DEFAULT_MAX_ATTEMPTS}.`,
    )
  }
  return value
}

function checkAttemptTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid attemptTimeoutMs ${value}: use a whole number of milliseconds of 1 or more, or leave it out for no limit.`,
    )
  }
  return value
}

/** Static keys from `env` when it carries both; otherwise undefined, so the SDK's default provider chain applies. */
function credentialsFrom(env: NodeJS.ProcessEnv) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim()
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim()
  if (!accessKeyId || !secretAccessKey) return undefined
  const sessionToken = env.AWS_SESSION_TOKEN?.trim()
  return sessionToken
    ? { accessKeyId, secretAccessKey, sessionToken }
    : { accessKeyId, secretAccessKey }
}

/** The part of a resolved SDK v3 client that createAwsClient reads. */
interface SdkClientShape {
  config: {
    serviceId: string
    retryStrategy: () => Promise<unknown>
  }
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void
  }
  destroy(): void
}

/**
 * Builds an AWS SDK v3 client:
 * - endpoint from AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (checked
 *   URL), with path-style addressing for S3 when an endpoint is set;
 * - region from the options; credentials from the SDK's default chain, or
 *   from `opts.env` when that environment carries access keys;
 * - the SDK's standard retry mode (exponential backoff with full jitter and
 *   a retry quota) with `maxAttempts` attempts, each retry logged;
 * - with `attemptTimeoutMs`, a NodeHttpHandler that fails each attempt
 *   after that long (connect timeout and request timeout).
 */
export function createAwsClient<C>(
  // The SDK clients take different config types, so the constructor is typed loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ClientClass: new (config: any) => C,
  opts: AwsClientOptions,
): C {
  const env = opts.env ?? process.env
  const region = opts.region?.trim()
  if (!region) {
    throw new Error(
      'createAwsClient: the region is empty. Pass a region such as us-east-1.',
    )
  }
  const maxAttempts = resolveMaxAttempts(opts.maxAttempts, env)
  const attemptTimeoutMs = checkAttemptTimeout(opts.attemptTimeoutMs)

  // A first client resolves the service id and the SDK's own standard retry
  // strategy for these settings; the real client wraps that strategy. This
  // keeps @smithy/core, which exports the strategy class, out of the imports.
  const base = { region, maxAttempts, retryMode: 'standard' }
  const probe = new ClientClass(base) as unknown as SdkClientShape
  const serviceId = probe.config.serviceId
  const standardStrategy = probe.config.retryStrategy
  probe.destroy()

  const config: Record<string, unknown> = {
    ...base,
    retryStrategy: new LoggingRetryStrategy(
      async () => (await standardStrategy()) as RetryStrategy,
      { serviceId, maxAttempts, logger: opts.logger },
    ),
  }
  if (attemptTimeoutMs !== undefined) {
    // The client builds its NodeHttpHandler from these options, so this
    // module does not load the handler before a client is created. Without
    // throwOnRequestTimeout, @smithy/node-http-handler (4.14) only logs a
    // warning when requestTimeout passes and lets the request go on.
    config.requestHandler = {
      connectionTimeout: attemptTimeoutMs,
      requestTimeout: attemptTimeoutMs,
      throwOnRequestTimeout: true,
    }
  }
  const endpoint = endpointFor(serviceId, env)
  if (endpoint) {
    config.endpoint = endpoint
    if (serviceId === 'S3') config.forcePathStyle = true
  }
  if (opts.env) {
    const credentials = credentialsFrom(opts.env)
    if (credentials) config.credentials = credentials
  }

  const client = new ClientClass(config)
  ;(client as unknown as SdkClientShape).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await operationContext.run(
          { operation: context.commandName },
          () => next(args),
        )
      } catch (error) {
        labelError(error, operationLabel(serviceId, context.commandName))
        throw error
      }
    },
    { step: 'initialize', name: 'kitOperationNameForRetryLog', override: true },
  )
  return client
}

/** Returns 'S3 PutObject' for service id 'S3' and command name 'PutObjectCommand'. */
function operationLabel(serviceId: string, commandName: string | undefined) {
  return commandName
    ? `${serviceId} ${commandName.replace(/Command$/, '')}`
    : serviceId
}

/**
 * Names the service and operation on an error a request threw, so that
 * errorMessage reports them after the retries are over. An error that
 * already has a label (from an inner client call) keeps it.
 */
function labelError(error: unknown, label: string): void {
  if (typeof error !== 'object' || error === null) return
  if (AWS_OPERATION_PROPERTY in error) return
  try {
    Object.defineProperty(error, AWS_OPERATION_PROPERTY, {
      value: label,
      enumerable: false,
      configurable: true,
    })
  } catch {
    // A frozen error keeps its message without the label.
  }
}

/** The operation a request belongs to, visible to the retry strategy of that request. */
const operationContext = new AsyncLocalStorage<{ operation?: string }>()

/** Structural copies of the @smithy/types retry interfaces (RetryStrategyV2 and its token). */
export interface RetryToken {
  getRetryCount(): number
  getRetryDelay(): number
}
export interface RetryErrorInfo {
  error: unknown
  /** 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' */
  errorType: string
}
export interface RetryStrategy {
  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken>
  refreshRetryTokenForRetry(
    token: RetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<RetryToken>
  recordSuccess(token: RetryToken): void
}

/**
 * Retry strategy that delegates every decision to another strategy (the
 * SDK's standard one) and logs each retry and each request given up after
 * a retryable error: service, operation when known, attempt, error code.
 */
export class LoggingRetryStrategy implements RetryStrategy {
  readonly mode = 'standard'
  private strategy: Promise<RetryStrategy> | undefined
  private loaded: RetryStrategy | undefined

  constructor(
    private readonly loadStrategy: () => Promise<RetryStrategy>,
    private readonly opts: {
      serviceId: string
      maxAttempts: number
      logger?: Logger
    },
  ) {}

  private inner(): Promise<RetryStrategy> {
    this.strategy ??= this.loadStrategy().then((strategy) => {
      this.loaded = strategy
      return strategy
    })
    return this.strategy
  }

  async acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return (await this.inner()).acquireInitialRetryToken(retryTokenScope)
  }

  async refreshRetryTokenForRetry(
    token: RetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<RetryToken> {
    const inner = await this.inner()
    const attempt = token.getRetryCount() + 1
    const label = this.label()
    const failure = `${label} failed (attempt ${attempt} of ${this.opts.maxAttempts}): ${describeError(errorInfo.error)}`
    let next: RetryToken
    try {
      next = await inner.refreshRetryTokenForRetry(token, errorInfo)
    } catch (refused) {
      this.logRefusal(failure, attempt, errorInfo)
      throw refused
    }
    const waited = backoffOf(next)
    this.opts.logger?.info(
      waited === undefined
        ? `${failure}; retrying`
        : `${failure}; retrying after ${waited} ms backoff`,
    )
    return next
  }

  recordSuccess(token: RetryToken): void {
    // acquireInitialRetryToken loaded the strategy before any request ran.
    this.loaded?.recordSuccess(token)
  }

  private label(): string {
    return operationLabel(
      this.opts.serviceId,
      operationContext.getStore()?.operation,
    )
  }

  private logRefusal(
    failure: string,
    attempt: number,
    errorInfo: RetryErrorInfo,
  ): void {
    const logger = this.opts.logger
    if (!logger) return
    const retryable =
      errorInfo.errorType === 'THROTTLING' ||
      errorInfo.errorType === 'TRANSIENT'
    if (!retryable) {
      logger.debug(`${failure}; not retried (${errorInfo.errorType})`)
    } else if (attempt >= this.opts.maxAttempts) {
      logger.info(`${failure}; giving up, no attempts left`)
    } else {
      logger.info(
        `${failure}; giving up because the client's retry quota is used up`,
      )
    }
  }
}

/** Returns the delay the standard strategy waited before returning the token, when it records one. */
function backoffOf(token: RetryToken): number | undefined {
  const log = (token as { $retryLog?: { acquisitionDelay?: unknown } })
    .$retryLog
  const waited = log?.acquisitionDelay
  if (typeof waited === 'number') return Math.round(waited)
  const delay = token.getRetryDelay()
  return delay > 0 ? Math.round(delay) : undefined
}

/** Error code and message, with the HTTP status when the SDK recorded one. */
function describeError(error: unknown): string {
  const text = errorMessage(error)
  const status = (error as { $metadata?: { httpStatusCode?: unknown } })
    ?.$metadata?.httpStatusCode
  return typeof status === 'number' ? `${text} (HTTP ${status})` : text
}
