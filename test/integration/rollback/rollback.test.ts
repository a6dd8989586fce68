import { afterEach, describe, expect, it } from '@jest/globals'
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { Deadline } from '../../../common/deadline.js'
import { DeadlineError } from '../../../common/errors.js'
import { memoryLogger } from '../../../common/log.js'
import { rollbackDeployment } from '../../../common/rollback.js'
import {
  createBlueGreenStack,
  forwardWeights,
  routingActions,
  serviceCounts,
  type BlueGreenOptions,
  type BlueGreenStack,
} from '../../helpers/blue-green-stack.js'
import {
  resetEngineConfig,
  setConvergeSeconds,
} from '../../helpers/ecs-engine.js'

const stacks: BlueGreenStack[] = []

async function stackWith(options: BlueGreenOptions): Promise<BlueGreenStack> {
  const stack = await createBlueGreenStack(options)
  stacks.push(stack)
  return stack
}

afterEach(async () => {
  for (const stack of stacks.splice(0)) {
    stack.destroy()
  }
  await resetEngineConfig()
})

function rollbackDeps(stack: BlueGreenStack, timeoutMs = 30_000) {
  const logger = memoryLogger()
  return {
    logger,
    deps: {
      ecs: stack.ecs,
      elbv2: stack.elbv2,
      logger,
      deadline: Deadline.start({ stage: 'rollback', timeoutMs }),
      pollIntervalMs: 100,
    },
  }
}

describe('rollbackDeployment', () => {
  it('restores listener weights 0/100 to 100/0', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 2,
      greenDesiredCount: 2,
    })
    const { deps, logger } = rollbackDeps(stack)

    const result = await rollbackDeployment(stack.state, deps)

    expect(result.changed).toBe(true)
    expect(result.weights_found).toEqual({ blue: 0, green: 100 })
    expect(result.restored_weights).toEqual({ blue: 100, green: 0 })
    expect(result.scaled_up_service).toBeUndefined()
    expect(result.listener_arn).toBe(stack.state.listener_arn)
    expect(result.duration_ms).toBeGreaterThanOrEqual(0)
    expect(await forwardWeights(stack)).toEqual({
      [stack.state.blue.target_group_arn]: 100,
      [stack.state.green.target_group_arn]: 0,
      [stack.canaryTargetGroupArn]: 0,
    })
    const [forward] = await routingActions(stack)
    expect(forward?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({
      Enabled: true,
      DurationSeconds: 300,
    })
    expect(result.actions).toEqual([
      `listener ${stack.state.listener_arn} forwards blue 0 / green 100`,
      `blue (${stack.state.blue.service}) runs 2 of 2 task(s) (0 pending), targets: 2 healthy`,
      `modified listener ${stack.state.listener_arn}: blue 0 / green 100 -> blue 100 / green 0`,
      `verified: listener ${stack.state.listener_arn} forwards blue 100 / green 0`,
    ])
    expect(logger.lines).toContain(`info: Rollback: ${result.actions[2]}`)
    expect(await serviceCounts(stack, stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
  })

  it('changes nothing when weights already match', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 2,
      greenDesiredCount: 2,
    })
    await rollbackDeployment(stack.state, rollbackDeps(stack).deps)
    const before = await routingActions(stack)

    const again = await rollbackDeployment(
      stack.state,
      rollbackDeps(stack).deps,
    )

    expect(again.changed).toBe(false)
    expect(again.weights_found).toEqual({ blue: 100, green: 0 })
    expect(again.restored_weights).toEqual({ blue: 100, green: 0 })
    expect(again.actions.at(-1)).toBe(
      `listener ${stack.state.listener_arn} already forwards as before the deploy, so its weights were left unchanged`,
    )
    expect(await routingActions(stack)).toEqual(before)
  })

  it('restores the weights of a listener rule', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 10, green: 90 },
      blueDesiredCount: 2,
      greenDesiredCount: 2,
      rule: true,
    })
    const listenerBefore = await stack.elbv2.send(
      new DescribeListenersCommand({
        ListenerArns: [stack.state.listener_arn],
      }),
    )

    const result = await rollbackDeployment(
      stack.state,
      rollbackDeps(stack).deps,
    )

    expect(result.changed).toBe(true)
    expect(result.rule_arn).toBe(stack.state.rule_arn)
    expect(result.weights_found).toEqual({ blue: 10, green: 90 })
    expect(await forwardWeights(stack)).toEqual({
      [stack.state.blue.target_group_arn]: 100,
      [stack.state.green.target_group_arn]: 0,
      [stack.canaryTargetGroupArn]: 0,
    })
    const rule = await stack.elbv2.send(
      new DescribeRulesCommand({ RuleArns: [stack.state.rule_arn ?? ''] }),
    )
    expect(rule.Rules?.[0]?.Conditions?.[0]?.Values).toEqual(['/api/*'])
    const listenerAfter = await stack.elbv2.send(
      new DescribeListenersCommand({
        ListenerArns: [stack.state.listener_arn],
      }),
    )
    expect(listenerAfter.Listeners?.[0]?.DefaultActions).toEqual(
      listenerBefore.Listeners?.[0]?.DefaultActions,
    )
  })

  it('scales up a stopped colour before moving traffic', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 0,
      greenDesiredCount: 2,
    })
    const { deps, logger } = rollbackDeps(stack)
    // Blue's tasks take two seconds to become healthy targets, so the
    // rollback must wait for them before it moves any traffic.
    await setConvergeSeconds(2)

    const result = await rollbackDeployment(stack.state, deps)

    expect(result.scaled_up_service).toBe(stack.state.blue.service)
    expect(result.scaled_up_desired_count).toBe(2)
    expect(result.changed).toBe(true)
    expect(await serviceCounts(stack, stack.state.blue.service)).toEqual({
      desired: 2,
      running: 2,
    })
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.blue.target_group_arn]: 100,
      [stack.state.green.target_group_arn]: 0,
    })
    expect(result.actions[1]).toBe(
      `scaled blue (${stack.state.blue.service}) from 0 to 2 task(s)`,
    )
    expect(result.actions[2]).toMatch(
      /^blue \(.+\) is ready after [\d.]+s: runs 2 of 2 task\(s\) \(0 pending\), targets: 2 healthy$/,
    )
    const notReady = logger.lines.findIndex((line) =>
      /runs [01] of 2 task\(s\)|targets: (none registered|\d+ initial)/.test(
        line,
      ),
    )
    const weightsMoved = logger.lines.findLastIndex((line) =>
      line.includes('blue 100 / green 0'),
    )
    expect(notReady).toBeGreaterThanOrEqual(0)
    expect(weightsMoved).toBeGreaterThan(notReady)
  })

  it('leaves traffic alone when the colour never gets healthy', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 0,
      greenDesiredCount: 2,
      failingBlue: true,
    })
    const started = Date.now()

    const attempt = rollbackDeployment(
      stack.state,
      rollbackDeps(stack, 1500).deps,
    )

    await expect(attempt).rejects.toBeInstanceOf(DeadlineError)
    await expect(attempt).rejects.toThrow(
      /Latest state: runs 0 of 2 task\(s\) .*targets: (none registered|\d+ (draining|unhealthy))/,
    )
    expect(Date.now() - started).toBeLessThan(1500 + 2000)
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.blue.target_group_arn]: 0,
      [stack.state.green.target_group_arn]: 100,
    })
  })

  it('stops when no task count can be restored', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 0,
      greenDesiredCount: 2,
      previousDesiredCount: 0,
    })

    const attempt = rollbackDeployment(stack.state, rollbackDeps(stack).deps)

    await expect(attempt).rejects.toThrow(
      'would get traffic back but has desired count 0, and the deployment state records no task count to restore it to',
    )
    expect(await forwardWeights(stack)).toMatchObject({
      [stack.state.green.target_group_arn]: 100,
    })
  })

  it('rejects a listener without these target groups', async () => {
    const stack = await stackWith({
      weightsNow: { blue: 0, green: 100 },
      blueDesiredCount: 2,
      greenDesiredCount: 2,
    })
    const foreign = {
      ...stack.state,
      blue: {
        ...stack.state.blue,
        target_group_arn: stack.canaryTargetGroupArn.replace(
          /\/[^/]+$/,
          '/0000000000000000',
        ),
      },
      green: {
        ...stack.state.green,
        target_group_arn: stack.canaryTargetGroupArn.replace(
          /\/[^/]+$/,
          '/1111111111111111',
        ),
      },
    }

    const attempt = rollbackDeployment(foreign, rollbackDeps(stack).deps)

    await expect(attempt).rejects.toThrow(
      `listener ${stack.state.listener_arn} has no forward action to`,
    )
  })
})
