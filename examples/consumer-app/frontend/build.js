// Builds the static site into dist/: index.html at the root and the
// script and stylesheet under assets/ with a content hash in their names
// (assets/app.<hash>.js), so they can be cached for a year while
// index.html is revalidated. API_BASE_URL (default /api, the path the CDN
// routes to the load balancer), ENVIRONMENT and APP_VERSION (default: the
// version of package.json) are fixed at build time.
// Usage: API_BASE_URL=/api ENVIRONMENT=staging node build.js [OUT_DIR]
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const frontendDir = dirname(fileURLToPath(import.meta.url))
const HASH_LENGTH = 12

/** Checks the build settings; every error names the variable and the fix. */
export function readBuildSettings(env) {
  const apiBaseUrl = (env.API_BASE_URL || '/api').replace(/\/+$/, '')
  const isPath = /^\/[A-Za-z0-9._~\-/]*$/.test(apiBaseUrl)
  const isUrl = /^https?:\/\/[^\s"'<>\\]+$/.test(apiBaseUrl)
  if (!isPath && !isUrl) {
    throw new Error(
      `API_BASE_URL must be a path such as /api or an http(s) URL; got "${env.API_BASE_URL}".`,
    )
  }
  const environment = env.ENVIRONMENT || 'development'
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(environment)) {
    throw new Error(
      `ENVIRONMENT must be lower-case letters, digits and hyphens, such as staging; got "${environment}".`,
    )
  }
  const version = env.APP_VERSION || packageVersion()
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/.test(version)) {
    throw new Error(
      `APP_VERSION must be 1 to 64 letters, digits, dots, plus signs, hyphens or underscores, such as 1.4.2; got "${version}".`,
    )
  }
  return { apiBaseUrl, environment, version }
}

function packageVersion() {
  const manifest = readFileSync(join(frontendDir, 'package.json'), 'utf8')
  return JSON.parse(manifest).version
}

function hashed(name, content) {
  const hash = createHash('sha256').update(content).digest('hex')
  const dot = name.lastIndexOf('.')
  return `${name.slice(0, dot)}.${hash.slice(0, HASH_LENGTH)}${name.slice(dot)}`
}

function read(name) {
  return readFileSync(join(frontendDir, 'src', name), 'utf8')
}

/** Builds the site into `outDir` and returns the written file names. */
export function build(outDir, settings) {
  const script = read('app.js')
    .replace("'__API_BASE_URL__'", JSON.stringify(settings.apiBaseUrl))
    .replace("'__ENVIRONMENT__'", JSON.stringify(settings.environment))
  const styles = read('styles.css')
  const scriptName = `assets/${hashed('app.js', script)}`
  const stylesName = `assets/${hashed('styles.css', styles)}`
  const html = read('index.html')
    .replaceAll('%ENVIRONMENT%', settings.environment)
    .replaceAll('%APP_VERSION%', settings.version)
    .replace('%SCRIPT%', `/${scriptName}`)
    .replace('%STYLES%', `/${stylesName}`)

  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(join(outDir, 'assets'), { recursive: true })
  writeFileSync(join(outDir, scriptName), script)
  writeFileSync(join(outDir, stylesName), styles)
  writeFileSync(join(outDir, 'index.html'), html)
  return ['index.html', scriptName, stylesName]
}

if (
  process.argv[1] &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  try {
    const settings = readBuildSettings(process.env)
    const outDir = resolve(process.argv[2] || join(frontendDir, 'dist'))
    const files = build(outDir, settings)
    console.log(
      `built ${files.length} files into ${outDir} (ENVIRONMENT=${settings.environment}, APP_VERSION=${settings.version}, API_BASE_URL=${settings.apiBaseUrl})`,
    )
    for (const file of files) console.log(`  ${file}`)
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
