// The differences a plan right after an apply shows only because moto 5.2.1
// stores or returns a value differently from AWS. Each entry names the
// attribute, the exact change it accepts, the reason, and a check that
// queries moto itself. An entry cannot hide a real drift, because the change
// must have the entry's shape and moto must be shown to have lost the value.
import {
  CloudFrontClient,
  GetDistributionConfigCommand,
} from '@aws-sdk/client-cloudfront'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import type { ResourceChange } from './terraform-plan.js'
import {
  changedAttributes,
  containsTrue,
  isDeepEqual,
  isRecord,
  pendingChanges,
  type PlanJson,
} from './terraform-plan.js'

export interface MotoApi {
  endpoint: string
  region: string
  ecs: ECSClient
  cloudfront: CloudFrontClient
}

export interface EmulatorDiff {
  id: string
  resourceType: string
  attribute: string
  /** Why moto makes the provider see this change. */
  reason: string
  /** Whether the attribute's before and after values have exactly this shape. */
  matches: (before: unknown, after: unknown, change: ResourceChange) => boolean
  /**
   * Reads the stored value from moto and returns what shows the difference,
   * or throws when moto contains what the configuration sent.
   */
  confirm: (moto: MotoApi, change: ResourceChange) => Promise<string>
}

export function createMotoApi(endpoint: string, region = 'us-east-1'): MotoApi {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  }
  return {
    endpoint,
    region,
    ecs: new ECSClient(config),
    cloudfront: new CloudFrontClient(config),
  }
}

/**
 * Calls a Query-protocol action (EC2, RDS) on moto and returns the XML
 * body. moto routes by the credential scope and does not check signatures.
 */
async function queryAction(
  moto: MotoApi,
  service: string,
  params: Record<string, string>,
): Promise<string> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${moto.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params).toString(),
  })
  const body = await response.text()
  if (!response.ok) {
    throw new Error(
      `${service} ${params.Action} failed: HTTP ${response.status} ${body}`,
    )
  }
  return body
}

function after(change: ResourceChange): Record<string, unknown> {
  return change.change.after ?? {}
}

function before(change: ResourceChange): Record<string, unknown> {
  return change.change.before ?? {}
}

async function describeService(
  moto: MotoApi,
  change: ResourceChange,
): Promise<Record<string, unknown>> {
  const cluster = String(after(change).cluster)
  const service = String(after(change).name)
  const output = await moto.ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  )
  const found = output.services?.[0]
  if (!found)
    throw new Error(`moto has no ECS service ${service} in ${cluster}`)
  return found as unknown as Record<string, unknown>
}

function ecsServiceField(
  field: string,
  attribute: string,
): EmulatorDiff['confirm'] {
  return async (moto, change) => {
    const service = await describeService(moto, change)
    const stored = service[field]
    const configured = after(change)[attribute]
    if (stored !== undefined && stored === configured) {
      throw new Error(
        `moto stores ${field} = ${JSON.stringify(stored)}, the configured value`,
      )
    }
    return `DescribeServices returns ${field} = ${JSON.stringify(stored)} although ${attribute} = ${JSON.stringify(configured)} was sent`
  }
}

async function distributionConfig(
  moto: MotoApi,
  change: ResourceChange,
): Promise<Record<string, unknown>> {
  const id = String(before(change).id)
  const output = await moto.cloudfront.send(
    new GetDistributionConfigCommand({ Id: id }),
  )
  return (output.DistributionConfig ?? {}) as unknown as Record<string, unknown>
}

/** Deep equality after removing `key` from every object of both lists. */
function equalWithout(a: unknown, b: unknown, key: string): boolean {
  const strip = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map((item) =>
          isRecord(item) ? { ...item, [key]: undefined } : item,
        )
      : value
  return isDeepEqual(strip(a), strip(b))
}

function cacheBehaviourEntry(
  attribute: string,
  moto_field: string,
): EmulatorDiff {
  return {
    id: `cloudfront-${attribute.replace(/_/g, '-')}-forwarded-values`,
    resourceType: 'aws_cloudfront_distribution',
    attribute,
    reason:
      'moto fills in ForwardedValues (query string off, no cookies, no headers) for every cache behaviour, even one with a CachePolicyId, where AWS returns none; the provider reads that back as a forwarded_values block the configuration does not have.',
    matches: (old, planned) =>
      Array.isArray(old) &&
      Array.isArray(planned) &&
      planned.every(
        (behaviour) =>
          isRecord(behaviour) && isDeepEqual(behaviour.forwarded_values, []),
      ) &&
      equalWithout(old, planned, 'forwarded_values'),
    confirm: async (moto, change) => {
      const config = await distributionConfig(moto, change)
      const behaviours =
        moto_field === 'DefaultCacheBehavior'
          ? [config.DefaultCacheBehavior]
          : ((config.CacheBehaviors as { Items?: unknown[] } | undefined)
              ?.Items ?? [])
      const withBoth = behaviours.filter(
        (behaviour) =>
          isRecord(behaviour) &&
          behaviour.CachePolicyId &&
          behaviour.ForwardedValues !== undefined,
      )
      if (withBoth.length === 0) {
        throw new Error(
          `moto returns no ${moto_field} with both CachePolicyId and ForwardedValues`,
        )
      }
      return `GetDistributionConfig returns ${withBoth.length} ${moto_field} item(s) with both CachePolicyId and ForwardedValues`
    },
  }
}

export const emulatorDiffs: EmulatorDiff[] = [
  {
    id: 'ecs-service-availability-zone-rebalancing',
    resourceType: 'aws_ecs_service',
    attribute: 'availability_zone_rebalancing',
    reason:
      'moto CreateService and UpdateService ignore availabilityZoneRebalancing and DescribeServices never returns it, so the provider reads no value.',
    matches: (old) => old === null || old === '' || old === undefined,
    confirm: ecsServiceField(
      'availabilityZoneRebalancing',
      'availability_zone_rebalancing',
    ),
  },
  {
    id: 'ecs-service-managed-tags',
    resourceType: 'aws_ecs_service',
    attribute: 'enable_ecs_managed_tags',
    reason:
      'moto CreateService ignores enableECSManagedTags and DescribeServices returns false.',
    matches: (old, planned) => old === false && planned === true,
    confirm: ecsServiceField('enableECSManagedTags', 'enable_ecs_managed_tags'),
  },
  {
    id: 'ecs-service-grace-period',
    resourceType: 'aws_ecs_service',
    attribute: 'health_check_grace_period_seconds',
    reason:
      'moto CreateService ignores healthCheckGracePeriodSeconds and DescribeServices never returns it, so the provider reads 0.',
    matches: (old, planned) =>
      old === 0 && typeof planned === 'number' && planned > 0,
    confirm: ecsServiceField(
      'healthCheckGracePeriodSeconds',
      'health_check_grace_period_seconds',
    ),
  },
  {
    id: 'security-group-rule-description',
    resourceType: 'aws_vpc_security_group_ingress_rule',
    attribute: 'description',
    reason:
      'moto keeps no Description for a rule whose source is another security group (DescribeSecurityGroupRules omits it), so the provider reads none.',
    matches: (old, planned, change) =>
      (old === null || old === '') &&
      typeof planned === 'string' &&
      typeof after(change).referenced_security_group_id === 'string',
    confirm: async (moto, change) => {
      const id = String(before(change).security_group_rule_id)
      const xml = await queryAction(moto, 'ec2', {
        Action: 'DescribeSecurityGroupRules',
        Version: '2016-11-15',
        'SecurityGroupRuleId.1': id,
      })
      if (!xml.includes(id))
        throw new Error(`moto has no security group rule ${id}`)
      if (/<description>[^<]+<\/description>/.test(xml)) {
        throw new Error(`moto returns a description for ${id}`)
      }
      return `DescribeSecurityGroupRules returns ${id} without a description`
    },
  },
  {
    id: 'db-parameter-source',
    resourceType: 'aws_db_parameter_group',
    attribute: 'parameter',
    reason:
      'moto DescribeDBParameters returns the parameters without their Source field; the provider keeps only parameters whose Source is "user" or that it can match, and skips every parameter without a Source, so it reads an empty set.',
    matches: (old, planned) =>
      Array.isArray(old) &&
      old.length === 0 &&
      Array.isArray(planned) &&
      planned.length > 0,
    confirm: async (moto, change) => {
      const name = String(before(change).name)
      const xml = await queryAction(moto, 'rds', {
        Action: 'DescribeDBParameters',
        Version: '2014-10-31',
        DBParameterGroupName: name,
        Source: 'user',
      })
      const count = (xml.match(/<Parameter>/g) ?? []).length
      if (count === 0) throw new Error(`moto returns no parameters for ${name}`)
      if (/<Source>/.test(xml))
        throw new Error(`moto returns a Source for the parameters of ${name}`)
      return `DescribeDBParameters returns ${count} parameter(s) of ${name}, none with a Source`
    },
  },
  cacheBehaviourEntry('default_cache_behavior', 'DefaultCacheBehavior'),
  cacheBehaviourEntry('ordered_cache_behavior', 'CacheBehaviors'),
  {
    id: 'cloudfront-origin-access-control',
    resourceType: 'aws_cloudfront_distribution',
    attribute: 'origin',
    reason:
      "moto drops each origin's OriginAccessControlId, so the provider reads an empty origin_access_control_id for the S3 origin.",
    matches: (old, planned) =>
      Array.isArray(old) &&
      old.every(
        (origin) => isRecord(origin) && !origin.origin_access_control_id,
      ) &&
      equalWithout(
        sortById(old),
        sortById(planned),
        'origin_access_control_id',
      ),
    confirm: async (moto, change) => {
      const config = await distributionConfig(moto, change)
      const origins = (
        (config.Origins as { Items?: unknown[] } | undefined)?.Items ?? []
      ).filter(isRecord)
      const planned = (after(change).origin as unknown[]).filter(isRecord)
      const expected = planned
        .filter((origin) => origin.origin_access_control_id)
        .map((origin) => origin.origin_id)
      const lost = origins.filter(
        (origin) =>
          expected.includes(origin.Id) && !origin.OriginAccessControlId,
      )
      if (lost.length === 0)
        throw new Error('moto keeps the origin access control of every origin')
      return `GetDistributionConfig returns origin(s) ${lost.map((origin) => String(origin.Id)).join(', ')} without OriginAccessControlId`
    },
  },
  {
    id: 'cloudfront-default-certificate-ssl-support',
    resourceType: 'aws_cloudfront_distribution',
    attribute: 'viewer_certificate',
    reason:
      'moto sets SSLSupportMethod to sni-only when none is sent, also for the default *.cloudfront.net certificate, where AWS returns none.',
    matches: (old, planned) =>
      Array.isArray(old) &&
      Array.isArray(planned) &&
      isRecord(old[0]) &&
      isRecord(planned[0]) &&
      old[0].ssl_support_method === 'sni-only' &&
      planned[0].ssl_support_method === null &&
      planned[0].cloudfront_default_certificate === true &&
      equalWithout(old, planned, 'ssl_support_method'),
    confirm: async (moto, change) => {
      const config = await distributionConfig(moto, change)
      const certificate = config.ViewerCertificate as
        Record<string, unknown> | undefined
      if (
        certificate?.CloudFrontDefaultCertificate !== true ||
        certificate.SSLSupportMethod !== 'sni-only'
      ) {
        throw new Error(
          `moto returns ViewerCertificate ${JSON.stringify(certificate)}`,
        )
      }
      return 'GetDistributionConfig returns SSLSupportMethod sni-only with the default certificate'
    },
  },
]

function sortById(value: unknown): unknown {
  if (!Array.isArray(value)) return value
  return [...value].sort((a, b) =>
    String(isRecord(a) ? a.origin_id : '').localeCompare(
      String(isRecord(b) ? b.origin_id : ''),
    ),
  )
}

export interface ClassifiedChange {
  change: ResourceChange
  /** Emulator differences covering the changed attributes (all of them when `unexplained` is empty). */
  explained: { attribute: string; diff: EmulatorDiff }[]
  /** Changed attributes no entry covers, or the whole action when it is not an in-place update. */
  unexplained: string[]
}

/**
 * Splits a plan's pending changes into those made only of listed emulator
 * differences and those with anything else (a real drift or a bug).
 */
export function classifyChanges(
  plan: PlanJson,
  diffs: EmulatorDiff[] = emulatorDiffs,
): ClassifiedChange[] {
  return pendingChanges(plan).map((change) => {
    const actions = change.change.actions
    if (actions.length !== 1 || actions[0] !== 'update') {
      return {
        change,
        explained: [],
        unexplained: [`action ${actions.join('+')}`],
      }
    }
    const explained: ClassifiedChange['explained'] = []
    const unexplained: string[] = []
    for (const attribute of changedAttributes(change)) {
      const unknown = containsTrue(change.change.after_unknown?.[attribute])
      const diff = unknown
        ? undefined
        : diffs.find(
            (entry) =>
              entry.resourceType === change.type &&
              entry.attribute === attribute &&
              entry.matches(
                before(change)[attribute],
                after(change)[attribute],
                change,
              ),
          )
      if (diff) explained.push({ attribute, diff })
      else unexplained.push(attribute)
    }
    return { change, explained, unexplained }
  })
}

/** Runs the moto check of every explained difference; returns the evidence lines. */
export async function confirmEmulatorDiffs(
  moto: MotoApi,
  classified: ClassifiedChange[],
): Promise<string[]> {
  const evidence: string[] = []
  for (const item of classified) {
    for (const { attribute, diff } of item.explained) {
      const found = await diff.confirm(moto, item.change)
      evidence.push(
        `${item.change.address} ${attribute} [${diff.id}]: ${found}`,
      )
    }
  }
  return evidence
}
