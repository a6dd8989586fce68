// Shared by the bootstrap tests: runs bootstrap roots (state-backend,
// github-oidc, ecr-repository and their combination) against moto and
// registers the checks every such root must pass.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { LifecycleResult } from '../../helpers/terraform-lifecycle.js'
import {
  expectExit,
  lastPlanJson,
  runLifecycle,
  unexplainedChanges,
} from '../../helpers/terraform-lifecycle.js'
import type { PolicyDocument } from '../../helpers/terraform-policy.js'
import {
  asList,
  checkBuckets,
  checkEnvironmentTags,
  checkIamWildcards,
  checkNames,
  statements,
  trustAllows,
} from '../../helpers/terraform-policy.js'
import type { ResourceValues } from '../../helpers/terraform-plan.js'
import { plannedResources } from '../../helpers/terraform-plan.js'
import type { TerraformSuite } from '../../helpers/terraform-suite.js'
import { startTerraformSuite } from '../../helpers/terraform-suite.js'

export const ENVIRONMENT = 'boot'
export const REPOSITORY = {
  name: 'example-org/shop',
  owner_id: 1000001,
  repository_id: 2000002,
}

export interface BootstrapRoot {
  name: string
  dir: string
  vars: Record<string, unknown>
}

export interface BootstrapRun {
  suite: () => TerraformSuite
  result: (name: string) => LifecycleResult
  /** Resources of the last plan of a root (the state right after apply). */
  resources: (name: string) => ResourceValues[]
}

/**
 * Applies, plans and destroys the roots (all at once) before the file's
 * tests, and registers the checks every bootstrap root must pass. Roots in
 * one call must not both create the account's GitHub OIDC provider.
 */
export function runBootstrapRoots(
  label: string,
  roots: BootstrapRoot[],
): BootstrapRun {
  let suite: TerraformSuite | undefined
  const results = new Map<string, LifecycleResult>()

  const result = (name: string): LifecycleResult => {
    const found = results.get(name)
    if (!found) throw new Error(`no lifecycle ran for ${name}`)
    return found
  }
  const resources = (name: string) =>
    plannedResources(lastPlanJson(result(name)))
  const started = (): TerraformSuite => {
    if (!suite) throw new Error('the suite did not start')
    return suite
  }

  beforeAll(async () => {
    const current = await startTerraformSuite(label)
    suite = current
    await Promise.all(
      roots.map(async (root) => {
        const terraform = current.root(root.dir, root.name, {
          project: current.runId,
          environment: ENVIRONMENT,
          ...root.vars,
        })
        const lifecycle = await runLifecycle(terraform, {
          stages: [{ name: 'apply' }],
          moto: current.moto,
        })
        results.set(root.name, lifecycle)
      }),
    )
    console.log(current.summary())
  }, 1_200_000)

  afterAll(() => {
    suite?.cleanup()
  })

  describe.each(roots.map((root) => root.name))('%s root', (name) => {
    it('passes fmt, init and validate', () => {
      const lifecycle = result(name)
      expectExit(lifecycle.fmt, 0, `${name}: terraform fmt -check`)
      expectExit(lifecycle.init, 0, `${name}: terraform init`)
      expectExit(lifecycle.validate, 0, `${name}: terraform validate`)
    })

    it('applies against moto', () => {
      const stage = result(name).stages[0]
      expectExit(stage?.apply, 0, `${name}: terraform apply`)
    })

    it('plans no change after apply', () => {
      const plan = result(name).stages[0]?.plan
      expect(unexplainedChanges(plan)).toEqual([])
    })

    it('destroys everything', () => {
      expectExit(result(name).destroy, 0, `${name}: terraform destroy`)
    })

    it('tags every taggable resource', () => {
      expect(checkEnvironmentTags(resources(name), ENVIRONMENT)).toEqual([])
    })

    it('follows the naming convention', () => {
      expect(checkNames(resources(name), started().runId, ENVIRONMENT)).toEqual(
        [],
      )
    })

    it('has no wildcard IAM grants', () => {
      expect(checkIamWildcards(resources(name))).toEqual([])
    })

    it('keeps buckets private without ACLs', () => {
      expect(checkBuckets(resources(name))).toEqual([])
    })
  })

  return { suite: started, result, resources }
}

/** Registers the checks of a root's deploy role trust. */
export function describeDeployRoleTrust(run: BootstrapRun, name: string): void {
  describe(`${name} deploy role trust`, () => {
    const issuer = 'token.actions.githubusercontent.com'

    function trust(): { document: PolicyDocument; provider: string } {
      const all = run.resources(name)
      const role = all.find(
        (r) =>
          r.type === 'aws_iam_role' &&
          String(r.values.name).endsWith('-deploy'),
      )
      const provider = all.find(
        (r) => r.type === 'aws_iam_openid_connect_provider',
      )
      return {
        document: JSON.parse(
          String(role?.values.assume_role_policy),
        ) as PolicyDocument,
        provider: String(provider?.values.arn),
      }
    }

    function allows(sub: string, aud = 'sts.amazonaws.com'): boolean {
      const { document, provider } = trust()
      return trustAllows(document, { provider, issuer, claims: { sub, aud } })
    }

    const classic = 'repo:example-org/shop'
    const immutable = 'repo:example-org@1000001/shop@2000002'

    it.each([
      ['classic main branch', `${classic}:ref:refs/heads/main`],
      ['classic environment', `${classic}:environment:${ENVIRONMENT}`],
      ['immutable main branch', `${immutable}:ref:refs/heads/main`],
      ['immutable environment', `${immutable}:environment:${ENVIRONMENT}`],
    ])('accepts %s', (_case, sub) => {
      expect(allows(sub)).toBe(true)
    })

    it.each([
      ['another repository', 'repo:example-org/other:ref:refs/heads/main'],
      [
        'a name with the same prefix',
        'repo:example-org/shop-fork:ref:refs/heads/main',
      ],
      ['another owner', 'repo:attacker/shop:ref:refs/heads/main'],
      ['another branch', `${classic}:ref:refs/heads/feature`],
      ['another environment', `${classic}:environment:other`],
      ['a pull request', `${classic}:pull_request`],
      [
        'a wrong owner id',
        'repo:example-org@9999999/shop@2000002:ref:refs/heads/main',
      ],
      [
        'a wrong repository id',
        'repo:example-org@1000001/shop@9999999:ref:refs/heads/main',
      ],
      [
        'a recycled name with new ids',
        'repo:example-org@5555555/shop@6666666:environment:boot',
      ],
    ])('rejects %s', (_case, sub) => {
      expect(allows(sub)).toBe(false)
    })

    it('rejects another audience', () => {
      expect(
        allows(
          `${classic}:ref:refs/heads/main`,
          'https://github.com/example-org',
        ),
      ).toBe(false)
    })

    it('trusts only the OIDC provider', () => {
      const { document, provider } = trust()
      for (const statement of statements(document)) {
        expect(statement.Principal).toEqual({ Federated: provider })
        expect(asList(statement.Action)).toEqual([
          'sts:AssumeRoleWithWebIdentity',
        ])
      }
    })
  })
}
