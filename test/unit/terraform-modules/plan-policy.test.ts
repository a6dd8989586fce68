import { describe, expect, it } from '@jest/globals'
import type { ResourceValues } from '../../helpers/terraform-plan.js'
import {
  checkBuckets,
  checkDatabases,
  checkDatabaseSubnets,
  checkEnvironmentTags,
  checkIamWildcards,
  checkNames,
  checkOpenIngress,
  matchesStringLike,
  moduleOf,
  trustAllows,
} from '../../helpers/terraform-policy.js'

function resource(
  address: string,
  values: Record<string, unknown>,
): ResourceValues {
  const parts = address.split('.')
  const type = parts[parts.length - 2] ?? ''
  return {
    address,
    mode: 'managed',
    type,
    name: parts[parts.length - 1] ?? '',
    values,
  }
}

describe('moduleOf', () => {
  it('returns the module path', () => {
    expect(moduleOf(resource('module.a.module.b["x"].aws_vpc.this', {}))).toBe(
      'module.a.module.b["x"]',
    )
    expect(moduleOf(resource('aws_vpc.this', {}))).toBe('')
  })
})

describe('checkEnvironmentTags', () => {
  it('accepts tagged resources', () => {
    const tags = { Environment: 'prod' }
    expect(
      checkEnvironmentTags(
        [resource('module.m.aws_vpc.this', { tags, tags_all: tags })],
        'prod',
      ),
    ).toEqual([])
  })

  it('flags a missing tag and default-tag-only modules', () => {
    const violations = checkEnvironmentTags(
      [
        resource('aws_vpc.root', { tags: null, tags_all: {} }),
        resource('module.m.aws_vpc.this', {
          tags: {},
          tags_all: { Environment: 'prod' },
        }),
        resource('module.m.aws_route.this', { route_table_id: 'x' }),
      ],
      'prod',
    )
    expect(violations).toHaveLength(2)
    expect(violations[0]).toContain('aws_vpc.root: tags_all.Environment')
    expect(violations[1]).toContain(
      'module.m.aws_vpc.this: the module does not set',
    )
  })
})

describe('checkNames', () => {
  it('accepts names with the prefix and path prefixes', () => {
    const ok = [
      resource('aws_lb.this', { name: 'shop-prod-api' }),
      resource('aws_cloudwatch_log_group.this', { name: '/ecs/shop-prod-api' }),
      resource('aws_s3_bucket_policy.this', { bucket: 'anything' }),
      resource('aws_subnet.a', { tags: { Name: 'shop-prod-public-a' } }),
      resource('aws_default_security_group.this', { name: 'default' }),
      resource('aws_db_parameter_group.this', {
        name: 'shop-prod-db',
        family: 'postgres16',
      }),
      resource('aws_ecs_task_definition.this', { family: 'shop-prod-api' }),
    ]
    expect(checkNames(ok, 'shop', 'prod')).toEqual([])
  })

  it('flags other names and Name tags', () => {
    const bad = [
      resource('aws_lb.this', { name: 'prod-shop-api' }),
      resource('aws_subnet.a', { tags: { Name: 'public-a' } }),
      resource('aws_s3_bucket.this', { bucket: 'shop-prod' }),
      resource('aws_ecs_task_definition.this', { family: 'api' }),
    ]
    expect(checkNames(bad, 'shop', 'prod')).toHaveLength(4)
  })
})

describe('checkDatabases', () => {
  const good = {
    multi_az: true,
    storage_encrypted: true,
    backup_retention_period: 7,
    deletion_protection: true,
    publicly_accessible: false,
    manage_master_user_password: true,
    password: null,
  }

  it('accepts a protected database', () => {
    expect(checkDatabases([resource('aws_db_instance.this', good)])).toEqual([])
  })

  it.each([
    ['multi_az', false],
    ['storage_encrypted', false],
    ['backup_retention_period', 0],
    ['deletion_protection', false],
    ['publicly_accessible', true],
    ['manage_master_user_password', false],
    ['password', 'secret'],
  ])('flags %s = %p', (attribute, value) => {
    const violations = checkDatabases([
      resource('aws_db_instance.this', { ...good, [attribute]: value }),
    ])
    expect(violations).toHaveLength(1)
  })
})

describe('checkDatabaseSubnets', () => {
  const network = [
    resource('aws_route.public', {
      route_table_id: 'rtb-pub',
      gateway_id: 'igw-1',
    }),
    resource('aws_route.private', {
      route_table_id: 'rtb-priv',
      nat_gateway_id: 'nat-1',
    }),
    resource('aws_route_table_association.a', {
      route_table_id: 'rtb-pub',
      subnet_id: 'subnet-pub',
    }),
    resource('aws_route_table_association.b', {
      route_table_id: 'rtb-priv',
      subnet_id: 'subnet-priv',
    }),
  ]

  it('accepts private subnets', () => {
    const group = resource('aws_db_subnet_group.this', {
      subnet_ids: ['subnet-priv'],
    })
    expect(checkDatabaseSubnets([...network, group])).toEqual([])
  })

  it('flags a subnet routed to the internet gateway', () => {
    const group = resource('aws_db_subnet_group.this', {
      subnet_ids: ['subnet-priv', 'subnet-pub'],
    })
    expect(checkDatabaseSubnets([...network, group])).toEqual([
      'aws_db_subnet_group.this: public subnets subnet-pub (routed to an internet gateway)',
    ])
  })
})

describe('checkBuckets', () => {
  const bucket = resource('aws_s3_bucket.this', { bucket: 'b', acl: null })
  const block = resource('aws_s3_bucket_public_access_block.this', {
    bucket: 'b',
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  })
  const ownership = resource('aws_s3_bucket_ownership_controls.this', {
    bucket: 'b',
    rule: [{ object_ownership: 'BucketOwnerEnforced' }],
  })

  it('accepts a private bucket', () => {
    expect(checkBuckets([bucket, block, ownership])).toEqual([])
  })

  it('flags ACLs and missing blocks', () => {
    const acl = resource('aws_s3_bucket_acl.this', {
      bucket: 'b',
      acl: 'public-read',
    })
    const open = {
      ...block,
      values: { ...block.values, restrict_public_buckets: false },
    }
    expect(checkBuckets([bucket, open, ownership, acl])).toEqual([
      'aws_s3_bucket_public_access_block.this: restrict_public_buckets is false',
      'aws_s3_bucket_acl.this: bucket ACL resource',
    ])
    expect(checkBuckets([bucket])).toHaveLength(2)
  })
})

describe('checkOpenIngress', () => {
  const lb = resource('aws_lb.this', {
    arn: 'lb-1',
    security_groups: ['sg-alb'],
  })
  const listener = resource('aws_lb_listener.http', {
    load_balancer_arn: 'lb-1',
    port: 80,
  })
  const rule = (address: string, group: string, port: number, cidr: string) =>
    resource(`aws_vpc_security_group_ingress_rule.${address}`, {
      security_group_id: group,
      cidr_ipv4: cidr,
      from_port: port,
      to_port: port,
    })

  it('allows the listener port of the load balancer', () => {
    expect(
      checkOpenIngress([lb, listener, rule('a', 'sg-alb', 80, '0.0.0.0/0')]),
    ).toEqual([])
  })

  it('flags other ports and other groups', () => {
    const violations = checkOpenIngress([
      lb,
      listener,
      rule('a', 'sg-alb', 22, '0.0.0.0/0'),
      rule('b', 'sg-db', 80, '0.0.0.0/0'),
      rule('c', 'sg-db', 5432, '10.0.0.0/16'),
    ])
    expect(violations).toHaveLength(2)
  })

  it('flags open inline ingress', () => {
    const group = resource('aws_security_group.this', {
      id: 'sg-x',
      ingress: [{ cidr_blocks: ['0.0.0.0/0'], from_port: 0, to_port: 65535 }],
    })
    expect(checkOpenIngress([group])).toHaveLength(1)
  })
})

describe('checkIamWildcards', () => {
  const policy = (statement: Record<string, unknown>) =>
    resource('aws_iam_role_policy.this', {
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
    })

  it('accepts scoped grants and denies', () => {
    expect(
      checkIamWildcards([
        policy({
          Effect: 'Allow',
          Action: 'ecr:GetAuthorizationToken',
          Resource: '*',
        }),
        policy({
          Effect: 'Allow',
          Action: 's3:*',
          Resource: 'arn:aws:s3:::b/*',
        }),
        policy({ Effect: 'Deny', Action: '*', Resource: '*' }),
      ]),
    ).toEqual([])
  })

  it.each([
    ['every action', { Effect: 'Allow', Action: '*', Resource: '*' }],
    ['a whole service', { Effect: 'Allow', Action: ['s3:*'], Resource: ['*'] }],
    ['NotAction', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
  ])('flags %s on every resource', (_name, statement) => {
    expect(checkIamWildcards([policy(statement)])).toHaveLength(1)
  })
})

describe('trustAllows', () => {
  const provider =
    'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
  const issuer = 'token.actions.githubusercontent.com'
  const document = {
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: provider },
        Condition: {
          StringEquals: { [`${issuer}:aud`]: 'sts.amazonaws.com' },
          StringLike: {
            [`${issuer}:sub`]: ['repo:o/r:ref:refs/heads/release/*'],
          },
        },
      },
    ],
  }
  const allows = (sub: string, aud = 'sts.amazonaws.com', from = provider) =>
    trustAllows(document, { provider: from, issuer, claims: { sub, aud } })

  it('accepts a matching subject', () => {
    expect(allows('repo:o/r:ref:refs/heads/release/1.0')).toBe(true)
  })

  it('rejects other subjects, audiences and providers', () => {
    expect(allows('repo:o/r:ref:refs/heads/main')).toBe(false)
    expect(allows('repo:o/r:ref:refs/heads/release/1.0', 'other')).toBe(false)
    expect(
      allows(
        'repo:o/r:ref:refs/heads/release/1.0',
        'sts.amazonaws.com',
        'arn:other',
      ),
    ).toBe(false)
  })

  it('treats unknown operators as no match', () => {
    const withUnknown = {
      Statement: [
        {
          ...document.Statement[0],
          Condition: { StringNotEquals: { [`${issuer}:sub`]: 'x' } },
        },
      ],
    }
    expect(
      trustAllows(withUnknown, {
        provider,
        issuer,
        claims: { sub: 'y', aud: 'a' },
      }),
    ).toBe(false)
  })
})

describe('matchesStringLike', () => {
  it('matches IAM wildcards', () => {
    expect(matchesStringLike('a*c', 'abbc')).toBe(true)
    expect(matchesStringLike('a?c', 'abc')).toBe(true)
    expect(matchesStringLike('a?c', 'abbc')).toBe(false)
    expect(matchesStringLike('a.c', 'abc')).toBe(false)
  })
})
