// Policy checks on the resources of a Terraform plan (`terraform show -json`).
// Each check returns its violations as sentences naming the resource, so an
// empty list is a pass and a failure message names what to fix.
import type { ResourceValues } from './terraform-plan.js'
import { isRecord } from './terraform-plan.js'

/** Returns the module address of a resource (`module.alb`), or '' for the root. */
export function moduleOf(resource: ResourceValues): string {
  const match = /^((?:module\.[^.[]+(?:\[[^\]]+\])?\.)*)/.exec(resource.address)
  return (match?.[1] ?? '').replace(/\.$/, '')
}

function tagsOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

/**
 * Every taggable resource (one whose schema has `tags`) must carry the
 * environment tag in `tags_all`, and a resource inside a module in its own
 * `tags` too, so the modules do not depend on the provider's default tags.
 */
export function checkEnvironmentTags(
  resources: ResourceValues[],
  environment: string,
  tagKey = 'Environment',
): string[] {
  const violations: string[] = []
  for (const resource of resources) {
    if (!('tags' in resource.values)) continue
    const all = tagsOf(resource.values.tags_all)
    if (all[tagKey] !== environment) {
      violations.push(
        `${resource.address}: tags_all.${tagKey} is ${JSON.stringify(all[tagKey])}, expected ${JSON.stringify(environment)}`,
      )
    }
    const own = tagsOf(resource.values.tags)
    if (moduleOf(resource) !== '' && own[tagKey] !== environment) {
      violations.push(
        `${resource.address}: the module does not set tags.${tagKey} (found ${JSON.stringify(own[tagKey])})`,
      )
    }
  }
  return violations
}

/** Attributes that hold an AWS resource's own name. */
const NAME_ATTRIBUTES = ['name', 'bucket', 'identifier'] as const

/** Extra name attributes of some resource types. */
const TYPE_NAME_ATTRIBUTES: Record<string, string[]> = {
  aws_ecs_task_definition: ['family'],
}

/** Resource types whose `name`-like attribute names something else. */
const NOT_OWN_NAME = new Set([
  // AWS names a VPC's default security group "default".
  'aws_default_security_group',
  // `bucket` names the bucket these settings belong to.
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_versioning',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_lifecycle_configuration',
  'aws_s3_bucket_policy',
])

/**
 * Names follow `<project>-<environment>-<component>`: every own name (and
 * `Name` tag) starts with `<project>-<environment>-` after an optional path
 * prefix (`/ecs/`, `/vpc/`).
 */
export function checkNames(
  resources: ResourceValues[],
  project: string,
  environment: string,
): string[] {
  const prefix = `${project}-${environment}-`
  const pattern = new RegExp(
    `^(/[a-z0-9-]+)*/?${escape(prefix)}[a-z0-9][a-z0-9-]*$`,
  )
  const violations: string[] = []
  const check = (
    resource: ResourceValues,
    attribute: string,
    value: unknown,
  ) => {
    if (typeof value !== 'string') return
    if (!pattern.test(value)) {
      violations.push(
        `${resource.address}: ${attribute} "${value}" does not follow ${prefix}<component>`,
      )
    }
  }
  for (const resource of resources) {
    if (!NOT_OWN_NAME.has(resource.type)) {
      const attributes = [
        ...NAME_ATTRIBUTES,
        ...(TYPE_NAME_ATTRIBUTES[resource.type] ?? []),
      ]
      for (const attribute of attributes) {
        check(resource, attribute, resource.values[attribute])
      }
    }
    check(resource, 'tags.Name', tagsOf(resource.values.tags).Name)
  }
  return violations
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Databases are Multi-AZ, encrypted, backed up, protected against
 * deletion, not publicly accessible, and keep their password in a
 * managed secret.
 */
export function checkDatabases(resources: ResourceValues[]): string[] {
  const violations: string[] = []
  for (const db of resources.filter((r) => r.type === 'aws_db_instance')) {
    const v = db.values
    const expect = (ok: boolean, what: string) => {
      if (!ok) violations.push(`${db.address}: ${what}`)
    }
    expect(v.multi_az === true, `multi_az is ${String(v.multi_az)}`)
    expect(
      v.storage_encrypted === true,
      `storage_encrypted is ${String(v.storage_encrypted)}`,
    )
    expect(
      typeof v.backup_retention_period === 'number' &&
        v.backup_retention_period >= 1,
      `backup_retention_period is ${String(v.backup_retention_period)}`,
    )
    expect(
      v.deletion_protection === true,
      `deletion_protection is ${String(v.deletion_protection)}`,
    )
    expect(
      v.publicly_accessible === false,
      `publicly_accessible is ${String(v.publicly_accessible)}`,
    )
    expect(
      v.manage_master_user_password === true,
      `manage_master_user_password is ${String(v.manage_master_user_password)}`,
    )
    expect(
      v.password === null || v.password === undefined,
      'a master password is set in the configuration',
    )
  }
  return violations
}

/**
 * Subnets are public when their route table sends traffic to an internet
 * gateway. Returns the IDs of the subnets in `ids` that are public.
 */
export function publicSubnets(
  resources: ResourceValues[],
  ids: string[],
): string[] {
  const igwTables = new Set(
    resources
      .filter(
        (r) =>
          r.type === 'aws_route' &&
          typeof r.values.gateway_id === 'string' &&
          r.values.gateway_id.startsWith('igw-'),
      )
      .map((r) => String(r.values.route_table_id)),
  )
  for (const table of resources.filter((r) => r.type === 'aws_route_table')) {
    const routes = Array.isArray(table.values.route) ? table.values.route : []
    if (
      routes.some(
        (route) =>
          isRecord(route) && String(route.gateway_id ?? '').startsWith('igw-'),
      )
    ) {
      igwTables.add(String(table.values.id))
    }
  }
  const publicIds = new Set(
    resources
      .filter(
        (r) =>
          r.type === 'aws_route_table_association' &&
          igwTables.has(String(r.values.route_table_id)),
      )
      .map((r) => String(r.values.subnet_id)),
  )
  for (const subnet of resources.filter((r) => r.type === 'aws_subnet')) {
    if (subnet.values.map_public_ip_on_launch === true)
      publicIds.add(String(subnet.values.id))
  }
  return ids.filter((id) => publicIds.has(id))
}

/** Database subnet groups use only private subnets. */
export function checkDatabaseSubnets(resources: ResourceValues[]): string[] {
  const violations: string[] = []
  for (const group of resources.filter(
    (r) => r.type === 'aws_db_subnet_group',
  )) {
    const ids =
      (group.values.subnet_ids as unknown[] | undefined)?.map(String) ?? []
    const exposed = publicSubnets(resources, ids)
    if (exposed.length > 0) {
      violations.push(
        `${group.address}: public subnets ${exposed.join(', ')} (routed to an internet gateway)`,
      )
    }
  }
  return violations
}

/** Buckets block all public access, enforce bucket-owner ownership and have no ACL. */
export function checkBuckets(resources: ResourceValues[]): string[] {
  const violations: string[] = []
  const settingsOf = (type: string, bucket: string) =>
    resources.find((r) => r.type === type && r.values.bucket === bucket)
  for (const bucket of resources.filter((r) => r.type === 'aws_s3_bucket')) {
    const name = String(bucket.values.bucket)
    const block = settingsOf('aws_s3_bucket_public_access_block', name)
    const flags = [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ]
    if (!block)
      violations.push(`${bucket.address}: no public access block for ${name}`)
    else {
      for (const flag of flags) {
        if (block.values[flag] !== true)
          violations.push(
            `${block.address}: ${flag} is ${String(block.values[flag])}`,
          )
      }
    }
    const ownership = settingsOf('aws_s3_bucket_ownership_controls', name)
    const rule = Array.isArray(ownership?.values.rule)
      ? ownership.values.rule[0]
      : undefined
    if (!isRecord(rule) || rule.object_ownership !== 'BucketOwnerEnforced') {
      violations.push(
        `${bucket.address}: object ownership of ${name} is not BucketOwnerEnforced`,
      )
    }
    if (bucket.values.acl !== null && bucket.values.acl !== undefined) {
      violations.push(
        `${bucket.address}: sets acl = ${JSON.stringify(bucket.values.acl)}`,
      )
    }
  }
  for (const acl of resources.filter((r) => r.type === 'aws_s3_bucket_acl')) {
    violations.push(`${acl.address}: bucket ACL resource`)
  }
  return violations
}

interface IngressRule {
  address: string
  securityGroupId: string
  cidrs: string[]
  fromPort: number
  toPort: number
}

function ingressRules(resources: ResourceValues[]): IngressRule[] {
  const rules: IngressRule[] = []
  for (const r of resources) {
    const v = r.values
    if (r.type === 'aws_vpc_security_group_ingress_rule') {
      rules.push({
        address: r.address,
        securityGroupId: String(v.security_group_id),
        cidrs: [v.cidr_ipv4, v.cidr_ipv6].filter(
          (c): c is string => typeof c === 'string',
        ),
        fromPort: Number(v.from_port ?? -1),
        toPort: Number(v.to_port ?? -1),
      })
    }
    if (r.type === 'aws_security_group_rule' && v.type === 'ingress') {
      rules.push({
        address: r.address,
        securityGroupId: String(v.security_group_id),
        cidrs: [
          ...((v.cidr_blocks as string[] | null) ?? []),
          ...((v.ipv6_cidr_blocks as string[] | null) ?? []),
        ],
        fromPort: Number(v.from_port),
        toPort: Number(v.to_port),
      })
    }
    if (r.type === 'aws_security_group' && Array.isArray(v.ingress)) {
      for (const inline of v.ingress.filter(isRecord)) {
        rules.push({
          address: `${r.address} (inline ingress)`,
          securityGroupId: String(v.id),
          cidrs: [
            ...((inline.cidr_blocks as string[] | null) ?? []),
            ...((inline.ipv6_cidr_blocks as string[] | null) ?? []),
          ],
          fromPort: Number(inline.from_port),
          toPort: Number(inline.to_port),
        })
      }
    }
  }
  return rules
}

/**
 * No security group accepts traffic from anywhere (0.0.0.0/0 or ::/0),
 * except a load balancer's group on one of that load balancer's listener
 * ports.
 */
export function checkOpenIngress(resources: ResourceValues[]): string[] {
  const allowed = new Map<string, Set<number>>()
  for (const lb of resources.filter((r) => r.type === 'aws_lb')) {
    const ports = new Set(
      resources
        .filter(
          (r) =>
            r.type === 'aws_lb_listener' &&
            r.values.load_balancer_arn === lb.values.arn,
        )
        .map((r) => Number(r.values.port)),
    )
    for (const group of (lb.values.security_groups as string[] | undefined) ??
      []) {
      allowed.set(group, ports)
    }
  }
  const violations: string[] = []
  for (const rule of ingressRules(resources)) {
    const open = rule.cidrs.filter(
      (cidr) => cidr === '0.0.0.0/0' || cidr === '::/0',
    )
    if (open.length === 0) continue
    const ports = allowed.get(rule.securityGroupId)
    const onListener =
      ports !== undefined &&
      rule.fromPort === rule.toPort &&
      ports.has(rule.fromPort)
    if (!onListener) {
      violations.push(
        `${rule.address}: ports ${rule.fromPort}-${rule.toPort} open to ${open.join(', ')} on ${rule.securityGroupId}, which is not a load balancer listener port`,
      )
    }
  }
  return violations
}

export interface PolicyStatement {
  Sid?: string
  Effect?: string
  Action?: string | string[]
  NotAction?: string | string[]
  Resource?: string | string[]
  NotResource?: string | string[]
  Principal?: unknown
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version?: string
  Statement?: PolicyStatement | PolicyStatement[]
}

/** Attributes that hold a JSON policy document, by resource type. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy: ['policy'],
  aws_iam_policy: ['policy'],
  aws_iam_user_policy: ['policy'],
  aws_iam_group_policy: ['policy'],
  aws_s3_bucket_policy: ['policy'],
  aws_ecr_repository_policy: ['policy'],
  aws_secretsmanager_secret_policy: ['policy'],
  aws_secretsmanager_secret: ['policy'],
  aws_kms_key: ['policy'],
}

/** Collects every policy document of the resources, with where it comes from. */
export function policyDocuments(
  resources: ResourceValues[],
): { source: string; document: PolicyDocument }[] {
  const documents: { source: string; document: PolicyDocument }[] = []
  for (const resource of resources) {
    for (const attribute of POLICY_ATTRIBUTES[resource.type] ?? []) {
      const text = resource.values[attribute]
      if (typeof text !== 'string' || text === '') continue
      documents.push({
        source: `${resource.address}.${attribute}`,
        document: JSON.parse(text) as PolicyDocument,
      })
    }
  }
  return documents
}

export function statements(document: PolicyDocument): PolicyStatement[] {
  const value = document.Statement
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

export function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/**
 * No Allow statement grants every action (`*`, or a whole service like
 * `s3:*`) on every resource (`*`), and none uses NotAction or NotResource,
 * which allow everything not listed.
 */
export function checkIamWildcards(resources: ResourceValues[]): string[] {
  const violations: string[] = []
  for (const { source, document } of policyDocuments(resources)) {
    for (const statement of statements(document)) {
      if ((statement.Effect ?? 'Allow') !== 'Allow') continue
      const name = statement.Sid ? ` (${statement.Sid})` : ''
      if (
        statement.NotAction !== undefined ||
        statement.NotResource !== undefined
      ) {
        violations.push(`${source}${name}: Allow with NotAction or NotResource`)
      }
      const actions = asList(statement.Action)
      const resourcesList = asList(statement.Resource)
      const everything = actions.filter(
        (action) => action === '*' || /^[a-z0-9-]+:\*$/.test(action),
      )
      if (everything.length > 0 && resourcesList.includes('*')) {
        violations.push(
          `${source}${name}: allows ${everything.join(', ')} on "*"`,
        )
      }
    }
  }
  return violations
}

/** Matches an IAM StringLike pattern (`*` any run of characters, `?` one character). */
export function matchesStringLike(pattern: string, value: string): boolean {
  const translate = (char: string) => {
    if (char === '*') return '.*'
    if (char === '?') return '.'
    return escape(char)
  }
  const regex = pattern.split('').map(translate).join('')
  return new RegExp(`^${regex}$`, 's').test(value)
}

const CONDITION_OPERATORS: Record<
  string,
  (pattern: string, value: string) => boolean
> = {
  StringEquals: (pattern, value) => pattern === value,
  StringLike: matchesStringLike,
}

/**
 * Evaluates whether a trust policy lets a web identity token with these
 * claims assume the role through `provider`. Supports what OIDC trusts
 * use: Federated principals, sts:AssumeRoleWithWebIdentity, StringEquals
 * and StringLike on `<issuer>:<claim>` keys. Any other operator makes the
 * statement match nothing, so unknown conditions never widen the result.
 */
export function trustAllows(
  document: PolicyDocument,
  request: { provider: string; issuer: string; claims: Record<string, string> },
): boolean {
  let allowed = false
  for (const statement of statements(document)) {
    const principal = isRecord(statement.Principal) ? statement.Principal : {}
    const federated = asList(
      principal.Federated as string | string[] | undefined,
    )
    const actions = asList(statement.Action)
    if (!federated.includes(request.provider)) continue
    if (!actions.includes('sts:AssumeRoleWithWebIdentity')) continue
    const conditionsHold = Object.entries(statement.Condition ?? {}).every(
      ([operator, entries]) => {
        const test = CONDITION_OPERATORS[operator]
        if (!test) return false
        return Object.entries(entries).every(([key, patterns]) => {
          const claim = key.startsWith(`${request.issuer}:`)
            ? request.claims[key.slice(request.issuer.length + 1)]
            : undefined
          if (claim === undefined) return false
          return asList(patterns).some((pattern) => test(pattern, claim))
        })
      },
    )
    if (!conditionsHold) continue
    if (statement.Effect === 'Deny') return false
    allowed = true
  }
  return allowed
}
