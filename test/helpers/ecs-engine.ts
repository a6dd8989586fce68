// Control of the moto ECS engine extension (local-stack/moto/extensions/
// ecs_engine.py) from integration tests: its converge time and the ALB
// 5xx test hook.
import { motoEndpoint } from './stack.js'

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${motoEndpoint()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) {
    throw new Error(`POST ${path} failed: HTTP ${response.status} ${text}`)
  }
  return JSON.parse(text) as unknown
}

/** Sets the time, in seconds, that a task takes from start to a healthy target. */
export async function setConvergeSeconds(seconds: number): Promise<void> {
  await post('/moto-api/kit/ecs-engine/config', { converge_seconds: seconds })
}

/** Restores the converge time that the moto process's environment sets. */
export async function resetEngineConfig(): Promise<void> {
  await post('/moto-api/kit/ecs-engine/config', { reset: true })
}

/** Records `count` 5xx responses of the load balancer now, in AWS/ApplicationELB. */
export async function raiseAlb5xx(
  loadBalancerArn: string,
  count: number,
  metric:
    | 'HTTPCode_Target_5XX_Count'
    | 'HTTPCode_ELB_5XX_Count' = 'HTTPCode_Target_5XX_Count',
): Promise<void> {
  await post('/moto-api/kit/ecs-engine/alb-5xx', {
    load_balancer_arn: loadBalancerArn,
    count,
    metric,
  })
}
