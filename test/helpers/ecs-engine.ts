// Control of the moto ECS engine extension (local-stack/moto/extensions/
// ecs_engine.py) from integration tests: its converge time, its task
// backend and the ALB 5xx test hook.
import { motoEndpoint } from './stack.js'

async function post(
  path: string,
  body: unknown,
  endpoint = motoEndpoint(),
): Promise<unknown> {
  const response = await fetch(`${endpoint}${path}`, {
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

/** Settings of the process task backend (see ecs_process_backend.py). */
export interface ProcessBackendSettings {
  environment?: Record<string, string>
  health_interval_seconds?: number
  max_stop_timeout_seconds?: number
  drain_seconds?: number
  work_directory?: string
}

/** Makes the engine run new tasks as local processes of their images. */
export async function useProcessBackend(
  settings: ProcessBackendSettings,
  endpoint = motoEndpoint(),
): Promise<void> {
  await post(
    '/moto-api/kit/ecs-engine/config',
    { task_backend: 'process', process: settings },
    endpoint,
  )
}

/** A process that the process task backend started for a task. */
export interface TaskProcess {
  task_arn: string
  pid: number | null
  address: string
  port: number | null
  status: 'PULLING' | 'RUNNING' | 'EXITED' | 'FAILED' | 'STOPPED'
  exit_code: number | null
  healthy: boolean | null
  start_error: string | null
}

/** Lists the processes of the process task backend. */
export async function listTaskProcesses(
  endpoint = motoEndpoint(),
): Promise<TaskProcess[]> {
  const response = await fetch(`${endpoint}/moto-api/kit/ecs-engine/processes`)
  const body = (await response.json()) as { processes: TaskProcess[] }
  return body.processes
}

/** Restores the converge time that the moto process's environment sets, and the simulated task backend. */
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
