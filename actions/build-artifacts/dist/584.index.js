export const id = 584;
export const ids = [584];
export const modules = {

/***/ 10584:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runImage: () => (/* binding */ runImage)
});

// UNUSED EXPORTS: REVISION_LABEL, RUN_ID_LABEL, chooseRegistry, planPushes

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecr/dist-cjs/index.js
var dist_cjs = __webpack_require__(28249);
// EXTERNAL MODULE: ./common/aws-clients.ts
var aws_clients = __webpack_require__(97814);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
// EXTERNAL MODULE: ./common/duration.ts
var duration = __webpack_require__(76712);
// EXTERNAL MODULE: ./common/errors.ts
var errors = __webpack_require__(52251);
;// CONCATENATED MODULE: ./common/exec.ts



/** Time between the escalation steps after a timeout (SIGINT, SIGTERM, SIGKILL). */
const DEFAULT_GRACE_MS = 10_000;
/**
 * Spawns `cmd` without a shell and waits until it ends and its output is
 * closed. Output lines go through the logger (which redacts secrets) and are
 * also collected unredacted in the result. The exit code and signal are
 * returned as the child reported them, and callers decide what they mean.
 * Rejects only when the command cannot start (for example ENOENT) or the
 * cancellation has already fired.
 */
function runCommand(cmd, args, opts = {}) {
    opts.cancellation?.throwIfCancelled();
    const logger = opts.logger;
    const echo = opts.echo ?? true;
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    checkDuration('timeoutMs', opts.timeoutMs);
    checkDuration('graceMs', graceMs);
    const label = opts.label ?? cmd;
    logger?.info(`Running: ${formatCommand(cmd, args)}`);
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(cmd, args, {
            cwd: opts.cwd,
            env: opts.env ?? process.env,
            shell: false,
            stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
        opts.cancellation?.trackChild(child);
        const stdout = [];
        const stderr = [];
        const log = echo ? (line) => logger?.info(line) : undefined;
        collectLines(child.stdout, stdout, log);
        collectLines(child.stderr, stderr, log);
        writeInput(child, opts.input, logger);
        let timedOut = false;
        const timers = [];
        if (opts.timeoutMs !== undefined) {
            const timeoutMs = opts.timeoutMs;
            timers.push(setTimeout(() => {
                timedOut = true;
                logger?.warning(`${label} timed out after ${(0,duration/* formatDuration */.a)(timeoutMs)}; sending SIGINT, then SIGTERM and SIGKILL ${(0,duration/* formatDuration */.a)(graceMs)} apart`);
                escalate(child, ['SIGINT', 'SIGTERM', 'SIGKILL'], graceMs, timers);
            }, timeoutMs));
        }
        let settled = false;
        child.once('error', (error) => {
            if (settled)
                return;
            settled = true;
            timers.forEach(clearTimeout);
            reject(new Error(describeStartFailure(cmd, opts.cwd, error), { cause: error }));
        });
        child.once('close', (exitCode, signal) => {
            if (settled)
                return;
            settled = true;
            timers.forEach(clearTimeout);
            logger?.info(`${label} ended with ${describeEnd(exitCode, signal)}`);
            resolve({
                exitCode,
                signal,
                stdout: stdout.join(''),
                stderr: stderr.join(''),
                timedOut,
            });
        });
    });
}
function describeStartFailure(cmd, cwd, error) {
    if (error.code === 'ENOENT') {
        const where = cwd === undefined ? '' : ` or the directory ${cwd} does not exist`;
        return `Failed to start ${cmd}: ENOENT, the command is not installed or not on PATH${where}`;
    }
    if (error.code === 'EACCES') {
        return `Failed to start ${cmd}: EACCES, the file is not executable by this user`;
    }
    return `Failed to start ${cmd}: ${(0,errors/* errorMessage */.gJ)(error)}`;
}
/** Describes how a command ended: 'exit code 2' or 'signal SIGTERM'. */
function describeEnd(exitCode, signal) {
    if (signal !== null)
        return `signal ${signal}`;
    return `exit code ${exitCode}`;
}
/** Formats a command line for logs, quoting arguments that need it. */
function formatCommand(cmd, args) {
    return [cmd, ...args].map(quoteArgument).join(' ');
}
function quoteArgument(arg) {
    if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg))
        return arg;
    return `'${arg.replace(/'/g, `'\\''`)}'`;
}
function checkDuration(name, value) {
    if (value === undefined)
        return;
    if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`runCommand: ${name} must be a finite number of ms >= 0, got ${value}`);
    }
}
/**
 * Sends the first signal now and each next one `graceMs` later, as long as
 * the child is still running.
 */
function escalate(child, signals, graceMs, timers) {
    const [signal, ...rest] = signals;
    if (signal === undefined || child.exitCode !== null || child.signalCode) {
        return;
    }
    child.kill(signal);
    if (rest.length > 0) {
        timers.push(setTimeout(() => escalate(child, rest, graceMs, timers), graceMs));
    }
}
/**
 * Collects a stream's text and passes each complete line to `log`. A last
 * line without a newline is passed when the stream ends.
 */
function collectLines(stream, chunks, log) {
    if (stream === null)
        return;
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk) => {
        chunks.push(chunk);
        if (log === undefined)
            return;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines)
            log(line.replace(/\r$/, ''));
    });
    stream.on('end', () => {
        if (log !== undefined && partial !== '')
            log(partial.replace(/\r$/, ''));
        partial = '';
    });
}
function writeInput(child, input, logger) {
    if (input === undefined || child.stdin === null)
        return;
    // A child that exits without reading its input makes the write fail with
    // EPIPE. The caller learns what happened from the child's exit code.
    child.stdin.on('error', (error) => {
        logger?.debug(`Writing stdin failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
    });
    child.stdin.end(input);
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/docker.ts

/** Runs the docker CLI and throws with its exit code and last error line on failure. */
async function docker(args, opts) {
    const logger = opts.displayedCommand === undefined ? opts.logger : quietStart(opts.logger);
    if (opts.displayedCommand !== undefined) {
        opts.logger.info(`Running: ${opts.displayedCommand}`);
    }
    const result = await runCommand('docker', args, {
        env: opts.env,
        logger,
        cancellation: opts.cancellation,
        timeoutMs: opts.timeoutMs,
        input: opts.input,
        echo: opts.echo,
    });
    if (result.exitCode !== 0) {
        const commandLine = opts.displayedCommand ?? formatCommand('docker', args);
        const reason = result.timedOut
            ? 'timed out'
            : result.exitCode === null
                ? `ended by ${result.signal}`
                : `exited with code ${result.exitCode}`;
        const lastLine = result.stderr
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== '' && !line.startsWith('Emulate Docker CLI'))
            .pop() ?? '';
        throw new Error(`${commandLine} ${reason}${lastLine ? `: ${lastLine}` : ''}`);
    }
    return result;
}
/** Wraps a logger so that runCommand's own "Running: ..." line is dropped. */
function quietStart(logger) {
    return {
        ...logger,
        info: (message) => {
            if (!message.startsWith('Running: '))
                logger.info(message);
        },
        group: logger.group.bind(logger),
    };
}
/**
 * Detects the builder behind `docker`: podman when `docker --version` names
 * podman (podman-docker), classic when DOCKER_BUILDKIT=0 or `docker buildx
 * version` fails, BuildKit otherwise.
 */
async function detectBuilder(opts) {
    const version = await runCommand('docker', ['--version'], {
        env: opts.env,
        echo: false,
    });
    if (version.exitCode !== 0) {
        throw new Error(`docker --version exited with code ${version.exitCode}: ${version.stderr.trim()}. Install the docker CLI (or podman-docker) on the runner.`);
    }
    if (/podman/i.test(version.stdout))
        return 'podman';
    if (opts.env.DOCKER_BUILDKIT === '0')
        return 'classic';
    const buildx = await runCommand('docker', ['buildx', 'version'], {
        env: opts.env,
        echo: false,
    });
    return buildx.exitCode === 0 ? 'buildkit' : 'classic';
}
/**
 * Returns the `docker build` arguments. BuildKit gets `--provenance=false`
 * and `--sbom=false`, so a single-platform push yields a plain image
 * manifest (ECS rejects an attestation index on some paths); podman and the
 * classic builder reject those flags. podman gets `--format docker`, because
 * its default OCI format drops HEALTHCHECK.
 */
function buildArguments(request) {
    const args = [
        'build',
        '--platform',
        request.platform,
        '--file',
        request.dockerfile,
    ];
    if (request.builder === 'buildkit') {
        args.push('--provenance=false', '--sbom=false', '--load');
    }
    if (request.builder === 'podman')
        args.push('--format', 'docker');
    if (request.target !== undefined)
        args.push('--target', request.target);
    for (const [name, value] of request.buildArgs) {
        args.push('--build-arg', `${name}=${value}`);
    }
    for (const [name, value] of request.labels)
        args.push('--label', `${name}=${value}`);
    for (const reference of request.references)
        args.push('--tag', reference);
    args.push(request.contextDir);
    return args;
}
/** The build command line for the log, with build argument values hidden. */
function shownBuildCommand(args) {
    const shown = args.map((arg, index) => args[index - 1] === '--build-arg' ? arg.replace(/=.*$/s, '=***') : arg);
    return formatCommand('docker', shown);
}
async function inspectImage(reference, opts) {
    const result = await docker([
        'image',
        'inspect',
        '--format',
        '{{.Id}} {{json .Config.Healthcheck}}',
        reference,
    ], { ...opts, echo: false });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    const space = line.indexOf(' ');
    const id = space === -1 ? line : line.slice(0, space);
    const healthJson = space === -1 ? 'null' : line.slice(space + 1);
    const health = JSON.parse(healthJson || 'null');
    const test = health?.Test;
    const declared = Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
    return {
        configDigest: id.startsWith('sha256:') ? id : `sha256:${id}`,
        ...(declared ? { healthCheck: test } : {}),
    };
}

// EXTERNAL MODULE: ./common/deadline.ts
var deadline = __webpack_require__(85096);
// EXTERNAL MODULE: ./common/masking.ts
var masking = __webpack_require__(42746);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/scan-gate.ts
/** Severities of ECR findings from the most to the least severe. */
const SEVERITY_ORDER = [
    'CRITICAL',
    'HIGH',
    'MEDIUM',
    'LOW',
    'INFORMATIONAL',
    'UNDEFINED',
];
/**
 * Severities that fail the gate at a threshold: the threshold and every
 * more severe one. UNDEFINED counts with INFORMATIONAL, and enhanced
 * scanning's UNTRIAGED with it too, so `informational` fails on any finding.
 */
function failingSeverities(threshold) {
    if (threshold === 'none')
        return [];
    const index = SEVERITY_ORDER.indexOf(threshold.toUpperCase());
    const failing = SEVERITY_ORDER.slice(0, index + 1);
    if (threshold === 'informational')
        failing.push('UNDEFINED', 'UNTRIAGED');
    return failing;
}
/** Finding counts at or above the threshold. */
function countsAtOrAbove(counts, threshold) {
    const failing = new Set(failingSeverities(threshold));
    return Object.fromEntries(Object.entries(counts).filter(([severity, count]) => failing.has(severity.toUpperCase()) && count > 0));
}
/** Scan statuses after which no result will come. */
const FINAL_FAILURE_STATUSES = new Set([
    'FAILED',
    'UNSUPPORTED_IMAGE',
    'SCAN_ELIGIBILITY_EXPIRED',
    'FINDINGS_UNAVAILABLE',
    'LIMIT_EXCEEDED',
]);
/** Scan statuses that carry the findings. */
const DONE_STATUSES = new Set(['COMPLETE', 'ACTIVE']);

;// CONCATENATED MODULE: ./actions/build-artifacts/src/ecr.ts





async function getRegistryLogin(ecr) {
    const result = await ecr.send(new dist_cjs/* GetAuthorizationTokenCommand */.Eu6({}));
    const data = result.authorizationData?.[0];
    const token = data?.authorizationToken;
    if (!token || !data?.proxyEndpoint) {
        throw new Error('ECR GetAuthorizationToken returned no token or no proxy endpoint');
    }
    (0,masking/* maskSecret */.$l)(token);
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
        throw new Error('ECR GetAuthorizationToken returned a token that is not user:password');
    }
    const password = decoded.slice(colon + 1);
    (0,masking/* maskSecret */.$l)(password);
    return {
        username: decoded.slice(0, colon),
        password,
        registry: new URL(data.proxyEndpoint).host,
        ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
    };
}
/** Whether the repository's tags are immutable (IMMUTABLE or IMMUTABLE_WITH_EXCLUSION). */
async function tagsAreImmutable(ecr, repository) {
    let result;
    try {
        result = await ecr.send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ repositoryNames: [repository] }));
    }
    catch (error) {
        if (error.name === 'RepositoryNotFoundException') {
            throw new Error(`ECR repository '${repository}' (ecr-repository) was not found in the account and aws-region of this step. Create the repository first, or set ecr-repository and aws-region to an existing one.`, { cause: error });
        }
        throw error;
    }
    const mutability = result.repositories?.[0]?.imageTagMutability ?? 'MUTABLE';
    // NOTE: exclusion filters of IMMUTABLE_WITH_EXCLUSION are not read; every
    // tag is treated as immutable, which can only reject more re-runs.
    return mutability.startsWith('IMMUTABLE');
}
/** Returns the tags that already exist in the repository. */
async function existingTags(ecr, repository, tags) {
    const result = await ecr.send(new dist_cjs/* BatchGetImageCommand */.P8n({
        repositoryName: repository,
        imageIds: tags.map((imageTag) => ({ imageTag })),
        acceptedMediaTypes: [
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.index.v1+json',
        ],
    }));
    const found = [];
    for (const image of result.images ?? []) {
        const tag = image.imageId?.imageTag;
        const digest = image.imageId?.imageDigest;
        if (!tag || !digest || !tags.includes(tag))
            continue;
        let configDigest;
        try {
            const manifest = JSON.parse(image.imageManifest ?? '{}');
            configDigest = manifest.config?.digest;
        }
        catch {
            configDigest = undefined;
        }
        found.push({ tag, digest, ...(configDigest ? { configDigest } : {}) });
    }
    for (const failure of result.failures ?? []) {
        if (failure.failureCode !== 'ImageNotFound' &&
            failure.failureCode !== 'ImageTagDoesNotMatchDigest') {
            throw new Error(`ECR BatchGetImage failed for tag ${failure.imageId?.imageTag}: ${failure.failureCode} ${failure.failureReason ?? ''}`);
        }
    }
    return found;
}
/** Digest and size of the image a tag points to. */
async function describeTag(ecr, repository, tag) {
    const result = await ecr.send(new dist_cjs/* DescribeImagesCommand */.ji5({
        repositoryName: repository,
        imageIds: [{ imageTag: tag }],
    }));
    const detail = result.imageDetails?.[0];
    if (!detail?.imageDigest) {
        throw new Error(`ECR DescribeImages returned no image for ${repository}:${tag}`);
    }
    return {
        digest: detail.imageDigest,
        sizeBytes: detail.imageSizeInBytes ?? 0,
        ...(detail.imagePushedAt ? { pushedAt: detail.imagePushedAt } : {}),
    };
}
function errorName(error) {
    return error?.name ?? '';
}
/**
 * Starts a basic scan of the digest (an image scanned in the last 24 hours
 * or a registry with enhanced scanning rejects that, which is fine) and
 * polls DescribeImageScanFindings until the scan completes or the deadline
 * passes. Returns every finding, reading all pages.
 */
async function scanImage(opts) {
    const { ecr, repository, digest, logger } = opts;
    const imageId = { imageDigest: digest };
    try {
        await ecr.send(new dist_cjs/* StartImageScanCommand */.Qc9({ repositoryName: repository, imageId }));
        logger.info(`Started the registry scan of ${repository}@${digest}`);
    }
    catch (error) {
        const name = errorName(error);
        if (name === 'LimitExceededException') {
            logger.info(`The registry scanned ${digest} in the last 24 hours; reading that scan`);
        }
        else if (name === 'ValidationException' ||
            name === 'UnsupportedImageTypeException') {
            logger.info(`StartImageScan was not accepted (${(0,errors/* errorMessage */.gJ)(error)}); waiting for the registry's own scan`);
        }
        else {
            throw error;
        }
    }
    let state = 'not started';
    const first = await (0,deadline/* waitFor */.fm)({
        what: `the registry scan of ${digest}`,
        deadline: opts.deadline,
        intervalMs: opts.pollIntervalMs ?? 3_000,
        logger,
        sleep: opts.sleep,
        signal: opts.signal,
        describe: () => state,
        check: async () => {
            let page;
            try {
                page = await ecr.send(new dist_cjs/* DescribeImageScanFindingsCommand */.TQ0({
                    repositoryName: repository,
                    imageId,
                }));
            }
            catch (error) {
                if (errorName(error) === 'ScanNotFoundException') {
                    state = 'no scan yet';
                    return undefined;
                }
                throw error;
            }
            const status = page.imageScanStatus?.status ?? 'UNKNOWN';
            state = `${status}${page.imageScanStatus?.description ? ` (${page.imageScanStatus.description})` : ''}`;
            if (FINAL_FAILURE_STATUSES.has(status)) {
                throw new Error(`The registry scan of ${repository}@${digest} ended with ${state}, so the scan gate cannot pass. Fix the scan (or set severity-threshold: none to turn the gate off).`);
            }
            return DONE_STATUSES.has(status) ? page : undefined;
        },
    });
    const findings = [
        ...(first.imageScanFindings?.findings ?? []),
    ];
    const enhanced = (first.imageScanFindings?.enhancedFindings ?? []).map((f) => ({
        name: f.title ?? f.findingArn ?? 'finding',
        severity: f.severity ?? 'UNDEFINED',
    }));
    let token = first.nextToken;
    while (token) {
        const page = await ecr.send(new dist_cjs/* DescribeImageScanFindingsCommand */.TQ0({
            repositoryName: repository,
            imageId,
            nextToken: token,
        }));
        findings.push(...(page.imageScanFindings?.findings ?? []));
        for (const f of page.imageScanFindings?.enhancedFindings ?? []) {
            enhanced.push({
                name: f.title ?? f.findingArn ?? 'finding',
                severity: f.severity ?? 'UNDEFINED',
            });
        }
        token = page.nextToken;
    }
    return {
        status: first.imageScanStatus?.status ?? 'COMPLETE',
        counts: { ...(first.imageScanFindings?.findingSeverityCounts ?? {}) },
        findings,
        enhanced,
    };
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/image-part.ts






/** Image labels that every build gets. */
const REVISION_LABEL = 'org.opencontainers.image.revision';
const RUN_ID_LABEL = 'org.aws-deploy-kit.run-id';
/**
 * Picks the registry host: the `ecr-registry` input, then ECR_REGISTRY,
 * then the proxy endpoint that GetAuthorizationToken returned.
 */
function chooseRegistry(image, env, fromEcr) {
    return image.registry ?? (env.ECR_REGISTRY?.trim() || fromEcr);
}
/**
 * Runs the `image` part: build with the docker CLI, check the health check,
 * log in to ECR, check existing tags (immutable re-runs), push, read the
 * digest and size from ECR, and gate on the registry's scan findings.
 */
async function runImage(ctx, inputs, report, deadline) {
    const image = inputs.image;
    const { logger } = ctx;
    const ecr = (0,aws_clients/* createAwsClient */.nV)(dist_cjs/* ECRClient */.S70, {
        region: inputs.awsRegion,
        logger,
        env: ctx.env,
        attemptTimeoutMs: inputs.attemptTimeoutMs,
    });
    try {
        logger.info('Requesting an ECR authorization token');
        const login = await getRegistryLogin(ecr);
        const registry = chooseRegistry(image, ctx.env, login.registry);
        const repositoryRef = `${registry}/${image.repository}`;
        const references = image.tags.map((tag) => `${repositoryRef}:${tag}`);
        const primaryTag = image.tags[0];
        const primary = references[0];
        const dockerOpts = {
            env: dockerEnv(ctx.env),
            logger,
            cancellation: ctx.cancellation,
            timeoutMs: Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1)),
        };
        const builder = await detectBuilder(dockerOpts);
        logger.info(`Builder behind the docker CLI: ${builder}`);
        const args = buildArguments({
            contextDir: image.contextDir,
            dockerfile: image.dockerfile,
            platform: image.platform,
            ...(image.target === undefined ? {} : { target: image.target }),
            buildArgs: image.buildArgs,
            labels: [
                [REVISION_LABEL, inputs.commitSha],
                [RUN_ID_LABEL, inputs.runId],
                ...image.labels,
            ],
            references,
            builder,
        });
        await docker(args, {
            ...dockerOpts,
            displayedCommand: shownBuildCommand(args),
        });
        deadline.check('after the image build');
        const local = await inspectImage(primary, dockerOpts);
        if (local.healthCheck === undefined &&
            image.healthCheckPath === undefined) {
            throw new Error(`The image ${primary} declares no HEALTHCHECK and health-check-path is empty. Add a HEALTHCHECK to ${external_node_path_default().basename(image.dockerfile)}, or set health-check-path to the backend's health check path (for example /healthz).`);
        }
        logger.info(local.healthCheck === undefined
            ? `The image declares no HEALTHCHECK; the record carries health-check-path ${image.healthCheckPath}`
            : `The image declares a HEALTHCHECK (${local.healthCheck.join(' ')})`);
        logger.info(`Logging in to ${registry}`);
        await docker(['login', '--username', login.username, '--password-stdin', registry], { ...dockerOpts, input: login.password });
        const immutable = await tagsAreImmutable(ecr, image.repository);
        const existing = await existingTags(ecr, image.repository, image.tags);
        const toPush = planPushes(image, existing, local.configDigest, immutable);
        for (const tag of image.tags) {
            if (!toPush.includes(tag)) {
                logger.info(`Tag ${tag} already points to this image (config ${local.configDigest}); not pushed again`);
            }
        }
        for (const tag of toPush) {
            await docker(['push', `${repositoryRef}:${tag}`], dockerOpts);
        }
        const described = await describeTag(ecr, image.repository, primaryTag);
        const imageUri = `${repositoryRef}@${described.digest}`;
        ctx.outputs.set('image-uri', imageUri);
        ctx.outputs.set('image-digest', described.digest);
        ctx.outputs.set('image-size-bytes', described.sizeBytes);
        logger.info(`Pushed ${imageUri} (${described.sizeBytes} bytes)`);
        const record = {
            type: 'backend_image',
            name: image.repository,
            version: primaryTag,
            size_bytes: described.sizeBytes,
            sha256: described.digest.replace(/^sha256:/, ''),
            created_at: new Date(ctx.clock.now()).toISOString(),
            location: {
                kind: 'ecr',
                registry,
                repository: image.repository,
                image_uri: imageUri,
            },
            pipeline_run_id: inputs.runId,
            scan: {
                status: 'disabled',
                threshold: image.severityThreshold,
                finding_counts: {},
            },
            image_uri: imageUri,
            image_digest: described.digest,
            health_check_path: image.healthCheckPath ?? '',
            runtime: image.platform,
        };
        report.artifacts.push(record);
        report.details.image = {
            builder,
            tags: image.tags,
            pushed_tags: toPush,
            config_digest: local.configDigest,
            image_health_check: local.healthCheck !== undefined,
        };
        report.rows.push([
            'image',
            `${imageUri}, ${described.sizeBytes} bytes, tags ${image.tags.join(', ')}${toPush.length < image.tags.length ? ` (${image.tags.length - toPush.length} already present)` : ''}`,
        ]);
        try {
            record.scan = await scanGate(ctx, image, ecr, described.digest, deadline, report);
        }
        catch (error) {
            const scan = error.scan;
            if (scan !== undefined)
                record.scan = scan;
            throw error;
        }
    }
    finally {
        ecr.destroy();
    }
}
/**
 * Returns the tags to push. A tag that already points to an image with the
 * same config digest is left alone (an idempotent re-run). A tag that
 * points to another image is a conflict in an immutable repository and is
 * moved in a mutable one. Every check runs before the first push.
 */
function planPushes(image, existing, configDigest, immutable) {
    const conflicts = [];
    const toPush = [];
    for (const tag of image.tags) {
        const found = existing.find((entry) => entry.tag === tag);
        if (found === undefined) {
            toPush.push(tag);
        }
        else if (found.configDigest === configDigest) {
            continue;
        }
        else if (immutable) {
            conflicts.push(`${tag} points to ${found.digest} (image config ${found.configDigest ?? 'unknown'})`);
        }
        else {
            toPush.push(tag);
        }
    }
    if (conflicts.length > 0) {
        throw new Error(`Tag conflict in ECR repository ${image.repository}, whose tags are immutable: ${conflicts.join('; ')}, but this build produced image config ${configDigest}. Nothing was pushed. Use a new image-tag (the commit SHA is the default), or rebuild the exact image of that tag.`);
    }
    return toPush;
}
async function scanGate(ctx, image, ecr, digest, deadline, report) {
    const threshold = image.severityThreshold;
    if (threshold === 'none') {
        ctx.logger.warning('severity-threshold is none: the image scan gate is turned off, and the record shows it as disabled');
        ctx.outputs.set('scan-status', 'disabled');
        ctx.outputs.set('scan-findings-json', {});
        report.rows.push(['image scan', 'disabled (severity-threshold: none)']);
        return { status: 'disabled', threshold, finding_counts: {} };
    }
    const outcome = await scanImage({
        ecr,
        repository: image.repository,
        digest,
        deadline: deadline.child('image scan', image.scanTimeoutMs),
        logger: ctx.logger,
        sleep: ctx.sleep,
        signal: ctx.cancellation.signal,
    });
    const blocking = countsAtOrAbove(outcome.counts, threshold);
    const failed = Object.keys(blocking).length > 0;
    const status = failed ? 'failed' : 'passed';
    ctx.outputs.set('scan-status', status);
    ctx.outputs.set('scan-findings-json', outcome.counts);
    const countsText = Object.entries(outcome.counts)
        .map(([severity, count]) => `${severity}: ${count}`)
        .join(', ') || 'no findings';
    report.rows.push([
        'image scan',
        `${status} at threshold ${threshold}: ${countsText}`,
    ]);
    const lines = [
        ...outcome.findings.map((f) => `${f.severity ?? 'UNDEFINED'} ${f.name ?? 'finding'}${f.uri ? ` ${f.uri}` : ''}`),
        ...outcome.enhanced.map((f) => `${f.severity} ${f.name}`),
    ];
    if (lines.length > 0) {
        report.sections.push({
            title: `Image scan findings (${lines.length})`,
            lines,
        });
    }
    const result = {
        status,
        threshold,
        finding_counts: outcome.counts,
    };
    if (failed) {
        const blockingText = Object.entries(blocking)
            .map(([severity, count]) => `${count} ${severity}`)
            .join(', ');
        throw Object.assign(new Error(`The registry scan of ${image.repository}@${digest} found ${blockingText} at or above severity-threshold ${threshold}. Fix the vulnerable packages and rebuild, or raise severity-threshold.`), { scan: result });
    }
    ctx.logger.info(`Scan gate passed at threshold ${threshold}: ${countsText}`);
    return result;
}
/** Returns the docker CLI's environment, with BUILDAH_FORMAT=docker because podman's OCI format drops HEALTHCHECK. */
function dockerEnv(env) {
    return { ...env, BUILDAH_FORMAT: env.BUILDAH_FORMAT ?? 'docker' };
}


/***/ })

};
