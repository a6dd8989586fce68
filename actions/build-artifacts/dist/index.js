import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 51677:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DC: () => (/* binding */ hashFile),
/* harmony export */   jY: () => (/* binding */ hashBuffer),
/* harmony export */   sf: () => (/* binding */ mapLimit),
/* harmony export */   yF: () => (/* binding */ listBuildFiles)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);



/**
 * Lists every regular file under `dir`, sorted by relative path (code point
 * order). Names are normalised to NFC, so a name written in NFD by macOS
 * tools gives the same key as its NFC form. Throws for a symbolic link,
 * because it could point outside the build, for two names that normalise
 * to the same path, and for anything that is neither file nor folder.
 */
async function listBuildFiles(dir) {
    const files = [];
    const seen = new Map();
    // Synchronous calls: a build folder of a few thousand files is read in
    // tens of milliseconds, several times faster than with fs.promises, whose
    // calls each wait for a thread-pool round trip. Nothing else runs yet.
    function visit(folder, relativeFolder) {
        const entries = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync)(folder, { withFileTypes: true });
        for (const entry of entries) {
            const absolutePath = node_path__WEBPACK_IMPORTED_MODULE_2___default().join(folder, entry.name);
            const raw = relativeFolder
                ? `${relativeFolder}/${entry.name}`
                : entry.name;
            const relativePath = raw.normalize('NFC');
            if (entry.isSymbolicLink()) {
                throw new Error(`The build folder contains a symbolic link, ${raw}. Replace it with the file it points to, because a link can point outside the build.`);
            }
            if (entry.isDirectory()) {
                visit(absolutePath, raw);
                continue;
            }
            if (!entry.isFile()) {
                throw new Error(`The build folder contains ${raw}, which is neither a file nor a folder. Remove it from the build.`);
            }
            const earlier = seen.get(relativePath);
            if (earlier !== undefined) {
                throw new Error(`The build folder contains two names for the same object key after Unicode NFC normalisation: ${earlier} and ${raw}. Rename one of them.`);
            }
            seen.set(relativePath, raw);
            const stats = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.lstatSync)(absolutePath);
            files.push({
                relativePath,
                absolutePath,
                size: stats.size,
                mtimeMs: stats.mtimeMs,
            });
        }
    }
    visit(dir, '');
    return files.sort((a, b) => a.relativePath < b.relativePath
        ? -1
        : a.relativePath > b.relativePath
            ? 1
            : 0);
}
/** SHA-256 and MD5 of a buffer, in lower-case hex. */
function hashBuffer(buffer) {
    return {
        sha256: (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(buffer).digest('hex'),
        md5: (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('md5').update(buffer).digest('hex'),
    };
}
/** Hashes a file in one read, with SHA-256 and optionally MD5. */
function hashFile(file, opts = {}) {
    return new Promise((resolve, reject) => {
        const sha256 = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
        const md5 = opts.md5 ? (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('md5') : undefined;
        const stream = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(file, { highWaterMark: 1024 * 1024 });
        stream.on('data', (chunk) => {
            sha256.update(chunk);
            md5?.update(chunk);
        });
        stream.on('error', reject);
        stream.on('end', () => {
            const digests = { sha256: sha256.digest('hex') };
            if (md5)
                digests.md5 = md5.digest('hex');
            resolve(digests);
        });
    });
}
/**
 * Runs `fn` for every item with at most `limit` calls in flight. Results
 * keep the order of `items`. The first rejection stops new calls and is
 * thrown after the calls in flight have settled.
 */
async function mapLimit(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    let failure;
    async function worker() {
        while (failure === undefined && next < items.length) {
            const index = next;
            next += 1;
            try {
                results[index] = await fn(items[index], index);
            }
            catch (error) {
                failure ??= { error };
            }
        }
    }
    const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
    await Promise.all(workers);
    if (failure !== undefined)
        throw failure.error;
    return results;
}


/***/ }),

/***/ 75869:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   H: () => (/* binding */ checkBuildFolder),
/* harmony export */   K: () => (/* binding */ INDEX_FILE)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _files_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(51677);


/** File that must be at the root of the build folder. */
const INDEX_FILE = 'index.html';
/**
 * Lists the build folder after checking that it exists, is a folder, holds
 * at least one file and has `index.html` at its root. Each error names the
 * folder and says what to fix.
 */
async function checkBuildFolder(dir, label) {
    let isDirectory;
    try {
        isDirectory = (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(dir)).isDirectory();
    }
    catch {
        throw new Error(`The frontend build folder ${label} does not exist. Build the frontend before this step, or fix frontend-dir.`);
    }
    if (!isDirectory) {
        throw new Error(`The frontend build folder ${label} is not a folder. Point frontend-dir at the build output folder.`);
    }
    const files = await (0,_files_js__WEBPACK_IMPORTED_MODULE_1__/* .listBuildFiles */ .yF)(dir);
    if (files.length === 0) {
        throw new Error(`The frontend build folder ${label} is empty. Build the frontend before this step, or fix frontend-dir.`);
    }
    if (!files.some((file) => file.relativePath === INDEX_FILE)) {
        throw new Error(`The frontend build folder ${label} has no ${INDEX_FILE} at its root (${files.length} files found). Point frontend-dir at the folder that contains ${INDEX_FILE}.`);
    }
    return files;
}


/***/ }),

/***/ 87710:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(24386);

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .eF)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 24386:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  eF: () => (/* binding */ run)
});

// UNUSED EXPORTS: main, recordsArtifactName

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(76760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
// EXTERNAL MODULE: ./common/deadline.ts
var common_deadline = __nccwpck_require__(85096);
// EXTERNAL MODULE: ./common/duration.ts
var duration = __nccwpck_require__(76712);
// EXTERNAL MODULE: ./common/errors.ts
var errors = __nccwpck_require__(52251);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(73024);
;// CONCATENATED MODULE: ./common/input-checks.ts



/**
 * Checks that several actions apply to their inputs: workspace paths, AWS
 * names, `KEY=value` lines and `{placeholder}` templates. Each check raises
 * an InputError (through InputReader.fail) that names the input, the value
 * and the fix.
 */
/** AWS region names such as us-east-1, eu-central-1 or us-gov-west-1. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** S3 bucket names for general purpose buckets (3 to 63 characters). */
const S3_BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_BUCKET_HINT = 'Use a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens that starts and ends with a letter or digit.';
/** DynamoDB table names. */
const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const DYNAMODB_TABLE_HINT = "Use a table name of 3 to 255 letters, digits, '_', '-' and '.'.";
// Control characters have no place in an object key that people read.
const S3_KEY = /^(?!\/)[^\p{Cc}]{1,1024}$/u;
const S3_KEY_HINT = 'Use an object key of 1 to 1024 characters without a leading / or control characters.';
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Maximum length of a file or folder name, in bytes, on ext4, XFS and APFS. */
const MAX_NAME_BYTES = 255;
/** Returns the folder that path inputs resolve against: GITHUB_WORKSPACE, else `cwd`. */
function workspaceRoot(env = process.env, cwd = process.cwd()) {
    const workspace = env.GITHUB_WORKSPACE?.trim();
    return external_node_path_default().resolve(workspace ? workspace : cwd);
}
/**
 * Resolves a path input and rejects it when it leaves the workspace, either
 * by its text ('..', an absolute path elsewhere) or through a symbolic link
 * on the existing part of the path. Returns the absolute path.
 */
function resolveWorkspacePath(reader, name, value, opts) {
    const workspace = external_node_path_default().resolve(opts.workspace);
    const inside = `Use a path inside the workspace ${workspace}, relative to it or absolute.`;
    if (value.includes('\0'))
        reader.fail(name, value, inside);
    const longName = value
        .split(/[\\/]/)
        .find((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES);
    if (longName !== undefined) {
        reader.fail(name, value, `A file or folder name in the path has ${Buffer.byteLength(longName)} bytes, and common file systems (ext4, XFS, APFS) allow at most ${MAX_NAME_BYTES}. Use shorter names.`);
    }
    const resolved = external_node_path_default().resolve(opts.base ?? workspace, value);
    if (!isInside(workspace, resolved))
        reader.fail(name, value, inside);
    const existing = nearestExisting(resolved);
    const realWorkspace = (0,external_node_fs_.realpathSync)(nearestExisting(workspace));
    const realExisting = (0,external_node_fs_.realpathSync)(existing);
    if (!isInside(realWorkspace, realExisting)) {
        reader.fail(name, value, `It resolves through a symbolic link to ${realExisting}, outside the workspace. ${inside}`);
    }
    if (opts.mustExist !== undefined) {
        checkKind(reader, name, value, resolved, opts.mustExist, existing);
    }
    return resolved;
}
function checkKind(reader, name, value, resolved, kind, existing) {
    if (existing !== resolved) {
        reader.fail(name, value, `No ${kind} exists at ${resolved}. Check the path, or create the ${kind} in an earlier step.`);
    }
    const stats = (0,external_node_fs_.statSync)(resolved);
    const isKind = kind === 'file' ? stats.isFile() : stats.isDirectory();
    if (!isKind) {
        reader.fail(name, value, `${resolved} exists but is not a ${kind}. Give the path of a ${kind}.`);
    }
}
function isInside(root, candidate) {
    const relative = external_node_path_default().relative(root, candidate);
    return (relative === '' ||
        (!relative.startsWith(`..${(external_node_path_default()).sep}`) &&
            relative !== '..' &&
            !external_node_path_default().isAbsolute(relative)));
}
/** Returns `target` or its closest ancestor that exists. */
function nearestExisting(target) {
    let current = target;
    while (!(0,external_node_fs_.existsSync)(current)) {
        const parent = external_node_path_default().dirname(current);
        if (parent === current)
            return current;
        current = parent;
    }
    return current;
}
/** Reads `aws-region` (required; its default lives in action.yml). */
function readAwsRegion(reader) {
    return reader.string('aws-region', {
        required: true,
        pattern: AWS_REGION,
        patternHint: 'Use an AWS region name such as us-east-1 or eu-central-1.',
    });
}
/**
 * Reads `run-id`, the pipeline run that records and locks name. Its default
 * is the expression `${{ github.run_id }}`, which only the runner evaluates,
 * so a local run must set it.
 */
function readRunId(reader) {
    const value = reader.string('run-id', { required: true });
    if (!RUN_ID.test(value)) {
        reader.fail('run-id', value, `Use the workflow run id (the default, github.run_id) or another id of 1 to 128 letters, digits, '.', '_' and '-'.${expressionHint(value)}`);
    }
    return value;
}
/**
 * Returns a sentence for an error about a value that still contains a `${{ }}`
 * expression, which happens when an action.yml default is used outside the
 * GitHub runner; otherwise ''.
 */
function expressionHint(value) {
    if (!value.includes('${{'))
        return '';
    return ' The GitHub runner evaluates ${{ }} expressions in defaults; elsewhere, set the value explicitly.';
}
/** Reads an S3 bucket name. */
function readBucket(reader, name, opts) {
    return reader.string(name, {
        required: opts.required,
        pattern: S3_BUCKET,
        patternHint: S3_BUCKET_HINT,
    });
}
/** Reads a DynamoDB table name. */
function readTable(reader, name) {
    return reader.string(name, {
        pattern: DYNAMODB_TABLE,
        patternHint: DYNAMODB_TABLE_HINT,
    });
}
/**
 * Reads `KEY=value` lines (one per line, blank lines and lines starting with
 * '#' skipped). Values may contain '=' and ','. Keys must be unique.
 * Returns the pairs in input order.
 */
function readKeyValueLines(reader, name, opts) {
    const text = reader.string(name);
    if (text === undefined)
        return [];
    const pairs = [];
    const seen = new Set();
    text.split(/\r?\n/).forEach((rawLine, index) => {
        const line = rawLine.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const separator = line.indexOf('=');
        const key = separator < 0 ? '' : line.slice(0, separator).trim();
        const shown = !opts.hideValues
            ? line
            : separator < 0
                ? `(line ${index + 1}, not shown)`
                : `${key}=***`;
        if (separator < 0) {
            reader.fail(name, shown, `Write each line as KEY=value. ${opts.keyHint}`);
        }
        if (!opts.keyPattern.test(key))
            reader.fail(name, shown, opts.keyHint);
        if (seen.has(key)) {
            reader.fail(name, shown, `The key ${key} appears more than once.`);
        }
        seen.add(key);
        pairs.push([key, line.slice(separator + 1).trim()]);
    });
    return pairs;
}
/** Reads an S3 object key (or a key template before expansion). */
function readObjectKey(reader, name, opts) {
    return reader.string(name, {
        required: opts.required,
        pattern: S3_KEY,
        patternHint: S3_KEY_HINT,
    });
}
/**
 * Replaces `{name}` placeholders in an input's value. A placeholder that is
 * not in `values` raises an InputError listing the ones allowed.
 */
function expandTemplate(reader, name, template, values) {
    return template.replace(/\{([^{}]*)\}/g, (placeholder, key) => {
        const value = values[key];
        if (value !== undefined)
            return value;
        const allowed = Object.keys(values)
            .map((known) => `{${known}}`)
            .join(', ');
        return reader.fail(name, template, `Unknown placeholder ${placeholder}. Use only ${allowed}.`);
    });
}
/** Rejects a duration that exceeds another one that limits it, such as an attempt timeout above the overall timeout. */
function checkNotLonger(reader, shorter, longer) {
    if (shorter.ms <= longer.ms)
        return;
    reader.fail(shorter.name, (0,duration/* formatDuration */.a)(shorter.ms), `It is longer than '${longer.name}' (${(0,duration/* formatDuration */.a)(longer.ms)}), which limits it. Lower '${shorter.name}' or raise '${longer.name}'.`);
}

// EXTERNAL MODULE: ./common/runner-commands.ts
var runner_commands = __nccwpck_require__(29301);
// EXTERNAL MODULE: ./common/clock.ts
var clock = __nccwpck_require__(74376);
;// CONCATENATED MODULE: ./common/instant.ts
// RFC 3339 profile of ISO 8601: date, 'T' (or a space), time with optional
// seconds and fraction, and a zone that is 'Z' or an offset (+hh:mm or +hhmm).
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_SECONDS = /^\d+(\.\d+)?$/;
// Epoch seconds above this (the year 5138) are almost surely milliseconds.
const MAX_EPOCH_SECONDS = 1e11;
/**
 * Parses an absolute instant: ISO 8601 with a zone ('2026-05-01T12:00:00Z',
 * '2026-05-01T14:00:00+02:00') or Unix epoch seconds ('1777636800').
 * Dates and times without a zone are rejected with reason 'no-zone'.
 */
function parseInstant(text) {
    const trimmed = text.trim();
    if (EPOCH_SECONDS.test(trimmed))
        return parseEpochSeconds(trimmed);
    if (DATE_ONLY.test(trimmed))
        return { ok: false, reason: 'no-zone' };
    const match = ISO_INSTANT.exec(trimmed);
    if (match === null)
        return { ok: false, reason: 'invalid' };
    const [, year, month, day, hour, minute, second, fraction, zone] = match;
    if (zone === undefined)
        return { ok: false, reason: 'no-zone' };
    const fields = {
        year: Number(year),
        month: Number(month),
        day: Number(day),
        hour: Number(hour),
        minute: Number(minute),
        second: Number(second ?? '0'),
    };
    const offsetMs = parseOffset(zone);
    if (!validFields(fields) || offsetMs === undefined) {
        return { ok: false, reason: 'invalid' };
    }
    const utc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
    const fractionMs = Math.floor(Number(`0.${fraction ?? '0'}`) * 1_000);
    return { ok: true, epochMs: utc + fractionMs - offsetMs };
}
function parseEpochSeconds(text) {
    const seconds = Number(text);
    if (seconds > MAX_EPOCH_SECONDS)
        return { ok: false, reason: 'milliseconds' };
    return { ok: true, epochMs: Math.round(seconds * 1_000) };
}
function parseOffset(zone) {
    if (zone === 'Z' || zone === 'z')
        return 0;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2));
    if (hours > 23 || minutes > 59)
        return undefined;
    const sign = zone.startsWith('-') ? -1 : 1;
    return sign * (hours * 60 + minutes) * 60_000;
}
function validFields(f) {
    if (f.year < 1970 || f.month < 1 || f.month > 12 || f.day < 1)
        return false;
    const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
    return (f.day <= daysInMonth && f.hour <= 23 && f.minute <= 59 && f.second <= 59);
}

// EXTERNAL MODULE: ./common/masking.ts
var masking = __nccwpck_require__(42746);
;// CONCATENATED MODULE: ./common/inputs.ts





/** Returns the variable the runner sets for an input: 'aws-region' gives 'INPUT_AWS-REGION'. */
function inputEnvName(name) {
    return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
/** Reads INPUT_<NAME> the way the runner sets it: spaces to '_', upper-cased, hyphens kept. */
function envInputSource(env = process.env) {
    return (name) => env[inputEnvName(name)];
}
const SET_IT = "Set it in the step's 'with:' block.";
const BOOLEAN_TRUE = ['true', 'True', 'TRUE'];
const BOOLEAN_FALSE = ['false', 'False', 'FALSE'];
const INTEGER = /^[+-]?\d+$/;
const DURATION_FORMS = 'a duration such as 500ms, 90s, 10m or 1h30m (a bare number is seconds)';
const INSTANT_FORMS = 'an ISO 8601 time with a zone, such as 2026-05-01T12:00:00Z or 2026-05-01T14:00:00+02:00, or Unix epoch seconds';
const MAP_FORMS = "'key: value' lines (or key=value) or a JSON object whose values are strings";
/**
 * Reads action inputs as typed values. Every value is trimmed and an empty
 * value counts as not set: defaults belong in action.yml, which the runner
 * applies. Invalid values raise InputError naming the input, the value and
 * what is allowed.
 */
class InputReader {
    source;
    constructor(source) {
        this.source = source;
    }
    /** Throws an InputError naming `name` (for checks across inputs). */
    fail(name, value, expected) {
        throw new errors/* InputError */.dz(name, value, expected);
    }
    string(name, opts = {}) {
        const value = this.read(name, opts.required, '');
        if (value === undefined)
            return undefined;
        if (opts.secret)
            (0,masking/* maskSecret */.$l)(value);
        const length = Array.from(value).length;
        if (opts.maxLength !== undefined && length > opts.maxLength) {
            this.fail(name, value, `Use at most ${opts.maxLength} characters (this value has ${length}).`);
        }
        if (opts.pattern !== undefined && !matchesWhole(opts.pattern, value)) {
            const hint = opts.patternHint ?? `Use a value that matches ${opts.pattern}.`;
            this.fail(name, value, hint);
        }
        return value;
    }
    boolean(name, opts = {}) {
        const expected = 'Use true or false.';
        const value = this.read(name, opts.required, expected);
        if (value === undefined)
            return undefined;
        if (BOOLEAN_TRUE.includes(value))
            return true;
        if (BOOLEAN_FALSE.includes(value))
            return false;
        return this.fail(name, value, expected);
    }
    integer(name, opts = {}) {
        const expected = `Use a whole number${describeRange(opts, String)}.`;
        const value = this.read(name, opts.required, expected);
        if (value === undefined)
            return undefined;
        const number = INTEGER.test(value) ? Number(value) : Number.NaN;
        if (!Number.isSafeInteger(number) || !inRange(number, opts)) {
            this.fail(name, value, expected);
        }
        return number;
    }
    duration(name, opts = {}) {
        const range = { min: opts.min ?? 1, max: opts.max };
        const value = this.read(name, opts.required, `Use ${DURATION_FORMS}.`);
        if (value === undefined)
            return undefined;
        const ms = (0,duration/* parseDuration */.E)(value);
        if (ms === undefined)
            this.fail(name, value, `Use ${DURATION_FORMS}.`);
        if (!inRange(ms, range)) {
            this.fail(name, value, `Use a duration${describeRange(range, duration/* formatDuration */.a)}.`);
        }
        return ms;
    }
    deadline(name, opts = {}) {
        const value = this.read(name, opts.required, `Use ${INSTANT_FORMS}.`);
        if (value === undefined)
            return undefined;
        const result = parseInstant(value);
        if (result.ok)
            return result.epochMs;
        switch (result.reason) {
            case 'no-zone':
                return this.fail(name, value, "Add a zone: 'Z' for UTC or an offset such as +02:00 (for example 2026-05-01T12:00:00Z).");
            case 'milliseconds':
                return this.fail(name, value, 'This looks like epoch milliseconds. Use epoch seconds (divide by 1000).');
            case 'invalid':
                return this.fail(name, value, `Use ${INSTANT_FORMS}.`);
        }
    }
    /** Reads items given one per line or comma separated, trimmed, without empty items. */
    list(name, opts = {}) {
        const value = this.read(name, opts.required, 'List one item per line.');
        if (value === undefined)
            return [];
        const items = value
            .split(/\r?\n|,/)
            .map((item) => item.trim())
            .filter((item) => item !== '');
        checkItemCount(this, name, value, items.length, opts);
        const pattern = opts.itemPattern;
        if (pattern === undefined)
            return items;
        items.forEach((item, index) => {
            if (matchesWhole(pattern, item))
                return;
            const hint = opts.itemHint ?? `Each item must match ${pattern}.`;
            this.fail(name, item, `${hint} (item ${index + 1} of ${items.length})`);
        });
        return items;
    }
    json(name, validate, opts = {}) {
        const value = this.read(name, opts.required, 'Set it to a JSON value.');
        if (value === undefined)
            return undefined;
        let parsed;
        try {
            parsed = JSON.parse(value);
        }
        catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            this.fail(name, value, `Use valid JSON (${reason}).`);
        }
        if (validate === undefined)
            return parsed;
        return validate(parsed, (expected) => this.fail(name, value, expected));
    }
    enumValue(name, allowed, opts = {}) {
        const expected = `Use one of: ${allowed.join(', ')}.`;
        const value = this.read(name, opts.required, expected);
        if (value === undefined)
            return undefined;
        const match = allowed.find((option) => option === value);
        if (match !== undefined)
            return match;
        const nearly = allowed.find((option) => option.toLowerCase() === value.toLowerCase());
        const hint = nearly === undefined
            ? ''
            : ` Values are case-sensitive: did you mean '${nearly}'?`;
        return this.fail(name, value, expected + hint);
    }
    url(name, opts = {}) {
        const protocols = (opts.protocols ?? ['http', 'https']).map((p) => p.endsWith(':') ? p : `${p}:`);
        const schemes = protocols.map((p) => p.slice(0, -1)).join(' or ');
        const example = protocols.includes('https:') ? 'https:' : protocols[0];
        const expected = `Use an absolute ${schemes} URL, such as ${example}//example.com.`;
        const value = this.read(name, opts.required, expected);
        if (value === undefined)
            return undefined;
        let parsed;
        try {
            parsed = new URL(value);
        }
        catch {
            return this.fail(name, (0,masking/* redactUrl */.BO)(value), expected);
        }
        if (!protocols.includes(parsed.protocol)) {
            const hasCredentials = parsed.username !== '' || parsed.password !== '';
            this.fail(name, hasCredentials ? (0,masking/* redactUrl */.BO)(parsed) : value, expected);
        }
        return parsed;
    }
    /** Reads 'Key: value' (or key=value) lines, or a JSON object with string values. */
    map(name, opts = {}) {
        const value = this.read(name, opts.required, `Use ${MAP_FORMS}.`);
        if (value === undefined)
            return {};
        const fail = (bad, expected) => this.fail(name, bad, expected);
        return value.startsWith('{')
            ? parseJsonMap(value, fail)
            : parseLineMap(value, fail);
    }
    /** Returns the trimmed value, undefined when empty, or throws 'missing' when required. */
    read(name, required, expected) {
        const value = (this.source(name) ?? '').trim();
        if (value !== '')
            return value;
        if (required) {
            throw new errors/* InputError */.dz(name, '', expected ? `${SET_IT} ${expected}` : SET_IT);
        }
        return undefined;
    }
}
/** Tests whether the whole value matches, so /[a-z]+/ rejects 'abc1'. */
function matchesWhole(pattern, value) {
    const flags = pattern.flags.replace(/[gy]/g, '');
    return new RegExp(`^(?:${pattern.source})$`, flags).test(value);
}
function inRange(value, range) {
    if (range.min !== undefined && value < range.min)
        return false;
    return range.max === undefined || value <= range.max;
}
function describeRange(range, format) {
    const { min, max } = range;
    if (min !== undefined && max !== undefined) {
        return ` from ${format(min)} to ${format(max)}`;
    }
    if (min !== undefined)
        return ` of at least ${format(min)}`;
    if (max !== undefined)
        return ` of at most ${format(max)}`;
    return '';
}
function checkItemCount(reader, name, value, count, opts) {
    const min = Math.max(opts.minItems ?? 0, opts.required ? 1 : 0);
    const has = `(this value has ${count})`;
    if (count < min) {
        reader.fail(name, value, `List at least ${min} item(s), one per line or comma separated ${has}.`);
    }
    if (opts.maxItems !== undefined && count > opts.maxItems) {
        reader.fail(name, value, `List at most ${opts.maxItems} item(s) ${has}.`);
    }
}
function parseJsonMap(value, fail) {
    let parsed;
    try {
        parsed = JSON.parse(value);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return fail(value, `Use ${MAP_FORMS} (invalid JSON: ${reason}).`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return fail(value, `Use ${MAP_FORMS}.`);
    }
    const entries = Object.entries(parsed).map(([key, item]) => {
        if (['string', 'number', 'boolean'].includes(typeof item)) {
            return [key, String(item)];
        }
        return fail(value, `The value of '${key}' must be a string, number or boolean.`);
    });
    return Object.fromEntries(entries);
}
function parseLineMap(value, fail) {
    const entries = new Map();
    for (const rawLine of value.split(/\r?\n/)) {
        const line = rawLine.trim();
        if (line === '' || line.startsWith('#'))
            continue;
        const separator = line.search(/[:=]/);
        const key = separator < 0 ? '' : line.slice(0, separator).trim();
        if (key === '' || /\s/.test(key)) {
            fail(line, `Write each line as 'key: value' or key=value, with a key that has no spaces.`);
        }
        if (entries.has(key))
            fail(line, `The key '${key}' appears more than once.`);
        entries.set(key, line.slice(separator + 1).trim());
    }
    return Object.fromEntries(entries);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(77598);
;// CONCATENATED MODULE: ./common/log.ts



// The runner reads a line that starts with '::' (after white space) as a
// workflow command, and the older '##[name]data' form anywhere in a line.
// Text from outside (command output, service errors) that matches either is
// printed between stop-commands markers, so it cannot set outputs or masks.
const COMMAND_LINE = /^\s*::|##\[/m;
function printInfo(message) {
    const text = (0,masking/* redact */.E$)(message);
    if (!COMMAND_LINE.test(text)) {
        runner_commands/* info */.pq(text);
        return;
    }
    const token = (0,external_node_crypto_.randomUUID)();
    runner_commands/* info */.pq(`::stop-commands::${token}`);
    runner_commands/* info */.pq(text);
    runner_commands/* info */.pq(`::${token}::`);
}
// The runner does not nest groups: a group started inside another one ends
// the outer group. Inner groups are therefore printed as a plain title line.
let groupDepth = 0;
/** Logger that writes workflow commands: annotations for warnings and errors, log groups. */
const actionsLogger = {
    info: printInfo,
    warning: (message) => runner_commands/* warning */.$e((0,masking/* redact */.E$)(message)),
    error: (message) => runner_commands/* error */.z3((0,masking/* redact */.E$)(message)),
    // The runner shows debug lines only when step debug logging is on, and
    // then it sets RUNNER_DEBUG=1. Skipping them otherwise saves one write to
    // the log pipe per line, which adds up for a line per uploaded file.
    debug: (message) => {
        if (runner_commands/* isDebug */._o())
            runner_commands/* debug */.Yz((0,masking/* redact */.E$)(message));
    },
    async group(title, fn) {
        if (groupDepth > 0) {
            printInfo(title);
            return fn();
        }
        groupDepth += 1;
        runner_commands/* startGroup */.Oh((0,masking/* redact */.E$)(title));
        try {
            return await fn();
        }
        finally {
            runner_commands/* endGroup */.N4();
            groupDepth -= 1;
        }
    },
};
/**
 * Logger for tests that records each message as one entry of `lines`, with
 * a level prefix: 'info: ', 'warning: ', 'error: ', 'debug: ', and
 * 'group: title' / 'endgroup: title' around a group.
 */
function memoryLogger() {
    const lines = [];
    const record = (level) => (message) => {
        lines.push(`${level}: ${redact(message)}`);
    };
    return {
        lines,
        info: record('info'),
        warning: record('warning'),
        error: record('error'),
        debug: record('debug'),
        async group(title, fn) {
            record('group')(title);
            try {
                return await fn();
            }
            finally {
                record('endgroup')(title);
            }
        },
    };
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(51455);
;// CONCATENATED MODULE: ./common/outputs.ts



// GitHub's rule for output names: a letter or '_' first, then letters,
// digits, '-' or '_'.
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/**
 * Collects step outputs and writes them to $GITHUB_OUTPUT in the runner's
 * delimiter form. Each name may be set once. flush() can run several times,
 * also after a failure, and writes each output exactly once.
 */
class OutputWriter {
    values = new Map();
    written = new Set();
    flushing = Promise.resolve();
    file;
    logger;
    makeDelimiter;
    constructor(opts = {}) {
        this.file = opts.file;
        this.logger = opts.logger;
        this.makeDelimiter =
            opts.makeDelimiter ?? (() => `ghadelimiter_${(0,external_node_crypto_.randomUUID)()}`);
    }
    /** Records an output: objects become JSON, numbers and booleans text. Throws if the name is invalid or already set. */
    set(name, value) {
        if (!OUTPUT_NAME.test(name)) {
            throw new Error(`Invalid output name '${name}': use a letter or '_' first, then letters, digits, '-' or '_'.`);
        }
        if (this.values.has(name)) {
            throw new Error(`Output '${name}' is already set. Set each output once.`);
        }
        this.values.set(name, toOutputText(value));
    }
    has(name) {
        return this.values.has(name);
    }
    /** Returns the redacted text recorded for an output, or undefined. */
    get(name) {
        const value = this.values.get(name);
        return value === undefined ? undefined : (0,masking/* redact */.E$)(value);
    }
    /**
     * Appends every output not written yet to the output file, redacted. Calls
     * run one after another, so concurrent calls never write an output twice.
     * Without an output file (outside a runner) it only logs the names.
     */
    flush() {
        this.flushing = this.flushing
            .catch(() => undefined)
            .then(() => this.writePending());
        return this.flushing;
    }
    async writePending() {
        const pending = [...this.values].filter(([name]) => !this.written.has(name));
        if (pending.length === 0)
            return;
        const file = this.file ?? process.env.GITHUB_OUTPUT;
        const names = pending.map(([name]) => name).join(', ');
        if (!file) {
            this.logger?.debug(`GITHUB_OUTPUT is not set, so these outputs were not written: ${names}`);
            return;
        }
        const text = pending
            .map(([name, value]) => this.formatEntry(name, (0,masking/* redact */.E$)(value)))
            .join('');
        await (0,promises_.appendFile)(file, text, 'utf8');
        for (const [name] of pending)
            this.written.add(name);
        this.logger?.debug(`Wrote outputs: ${names}`);
    }
    formatEntry(name, value) {
        let delimiter = this.makeDelimiter();
        while (value.includes(delimiter)) {
            delimiter = this.makeDelimiter();
        }
        return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    }
}
function toOutputText(value) {
    if (typeof value === 'string')
        return value;
    if (typeof value === 'number' || typeof value === 'boolean') {
        return String(value);
    }
    return JSON.stringify(value) ?? '';
}
/**
 * Parses a GITHUB_OUTPUT, GITHUB_ENV or GITHUB_STATE file the way the
 * runner (actions/runner, FileCommandManager) does on Linux: 'name=value'
 * lines and 'name<<DELIMITER' blocks that end at a line equal to the
 * delimiter, whose value excludes the line break before that line. A later
 * entry for the same name replaces the earlier one.
 */
function parseCommandFile(text) {
    const result = new Map();
    const reader = new LineReader(text);
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
        if (line === '')
            continue;
        const equals = line.indexOf('=');
        const heredoc = line.indexOf('<<');
        if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
            const name = line.slice(0, equals);
            if (name === '')
                throw new Error(`Invalid format '${line}': empty name`);
            result.set(name, line.slice(equals + 1));
        }
        else if (heredoc >= 0) {
            const name = line.slice(0, heredoc);
            const delimiter = line.slice(heredoc + 2);
            if (name === '' || delimiter === '') {
                throw new Error(`Invalid format '${line}': empty name or delimiter`);
            }
            result.set(name, readHeredoc(reader, text, delimiter));
        }
        else {
            throw new Error(`Invalid format '${line}': expected name=value or name<<DELIMITER`);
        }
    }
    return Object.fromEntries(result);
}
function readHeredoc(reader, text, delimiter) {
    const start = reader.index;
    let end = start;
    for (;;) {
        const line = reader.next();
        if (line === undefined) {
            throw new Error(`Invalid value: matching delimiter '${delimiter}' not found`);
        }
        if (line === delimiter)
            break;
        end = reader.index - 1;
    }
    return end > start ? text.slice(start, end) : '';
}
/** Splits text at '\n', keeping the position after the last line read. */
class LineReader {
    text;
    index = 0;
    constructor(text) {
        this.text = text;
    }
    next() {
        if (this.index >= this.text.length)
            return undefined;
        const start = this.index;
        const lineFeed = this.text.indexOf('\n', start);
        if (lineFeed < 0) {
            this.index = this.text.length;
            return this.text.slice(start);
        }
        this.index = lineFeed + 1;
        return this.text.slice(start, lineFeed);
    }
}

// EXTERNAL MODULE: ./common/plural.ts
var plural = __nccwpck_require__(65226);
;// CONCATENATED MODULE: ./common/signals.ts


const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM'];
/** Exit code for a process ended by a signal, as shells report it: 128 + signal number. */
function signalExitCode(signal) {
    return signal === 'SIGINT' ? 130 : 143;
}
/**
 * Process-wide cancellation. The first SIGINT or SIGTERM is forwarded at
 * once to every tracked child that is still running, aborts `signal`, and
 * runs the restore steps (last registered first, each once, a failing step
 * logged without stopping the others). Then the process exits with 130 or
 * 143 unless `exitAfterRestore` is false. A second signal forces the exit
 * at once.
 */
class Cancellation {
    controller = new AbortController();
    proc;
    logger;
    exitAfterRestore;
    children = new Set();
    steps = [];
    receivedSignal;
    restoring;
    installed = false;
    listener = (signal) => {
        this.handleSignal(signal);
    };
    constructor(opts = {}) {
        this.proc = opts.process ?? process;
        this.logger = opts.logger;
        this.exitAfterRestore = opts.exitAfterRestore ?? true;
    }
    /** Aborts, with a CancelledError as reason, when the first signal arrives. */
    get signal() {
        return this.controller.signal;
    }
    /** The signal that cancelled the process, or undefined while none arrived. */
    get cancelledBy() {
        return this.receivedSignal;
    }
    /**
     * Tracks a child so that signals are forwarded to it until it exits. A
     * child tracked after the cancellation gets the signal at once.
     */
    trackChild(child) {
        if (!isRunning(child))
            return;
        if (this.receivedSignal !== undefined) {
            this.forwardTo(child, this.receivedSignal);
        }
        this.children.add(child);
        const untrack = () => {
            this.children.delete(child);
        };
        child.once('exit', untrack);
        child.once('error', untrack);
    }
    /**
     * Registers a step that brings a change back when the run is cancelled
     * while the change is under way. Returns a function that unregisters the
     * step, to call once the change has completed and should stay.
     */
    onRestore(name, fn) {
        const step = { name, fn };
        if (this.restoring !== undefined) {
            this.logger?.warning(`Restore step '${name}' was registered after the restore began and will not run`);
        }
        this.steps.push(step);
        return () => {
            const index = this.steps.indexOf(step);
            if (index >= 0)
                this.steps.splice(index, 1);
        };
    }
    /** Adds the SIGINT and SIGTERM listeners to the process. A second call does nothing. */
    install() {
        if (this.installed)
            return;
        for (const name of CANCEL_SIGNALS)
            this.proc.on(name, this.listener);
        this.installed = true;
    }
    /** Removes the listeners that install() added. */
    uninstall() {
        if (!this.installed)
            return;
        for (const name of CANCEL_SIGNALS)
            this.proc.off(name, this.listener);
        this.installed = false;
    }
    /** Throws the CancelledError when a signal has arrived. */
    throwIfCancelled() {
        if (this.controller.signal.aborted) {
            throw this.controller.signal.reason;
        }
    }
    /**
     * Runs the restore steps, last registered first, and resolves when all
     * have finished. Later calls return the same promise, so each step runs
     * once.
     */
    restore() {
        this.restoring ??= this.runRestoreSteps();
        return this.restoring;
    }
    /**
     * Handles SIGINT or SIGTERM as the installed listeners do. Exposed so
     * that code can cancel without a process signal.
     */
    handleSignal(signal) {
        const first = this.receivedSignal === undefined;
        this.forwardToAll(signal);
        if (!first) {
            this.logger?.warning(`Received ${signal} again while restoring; exiting now with code ${signalExitCode(signal)}`);
            this.proc.exit(signalExitCode(signal));
            return;
        }
        this.receivedSignal = signal;
        this.logger?.warning(this.steps.length === 0
            ? `Received ${signal}: cancelling; there is nothing to undo`
            : `Received ${signal}: cancelling, then undoing what this step changed (${(0,plural/* plural */.L)(this.steps.length, 'clean-up step')})`);
        this.controller.abort(new errors/* CancelledError */.cc(signal));
        void this.restore().then(() => {
            if (this.exitAfterRestore)
                this.proc.exit(signalExitCode(signal));
        });
    }
    forwardToAll(signal) {
        for (const child of this.children)
            this.forwardTo(child, signal);
    }
    forwardTo(child, signal) {
        if (!isRunning(child))
            return;
        this.logger?.info(`Forwarding ${signal} to child process ${child.pid}`);
        try {
            child.kill(signal);
        }
        catch (error) {
            this.logger?.warning(`Could not send ${signal} to child process ${child.pid}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
    async runRestoreSteps() {
        const steps = [...this.steps].reverse();
        for (const step of steps) {
            this.logger?.info(`Restore step '${step.name}' started`);
            try {
                await step.fn();
                this.logger?.info(`Restore step '${step.name}' finished`);
            }
            catch (error) {
                this.logger?.error(`Restore step '${step.name}' failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
        }
    }
}
function isRunning(child) {
    return (child.pid !== undefined &&
        child.exitCode === null &&
        child.signalCode === null);
}

;// CONCATENATED MODULE: ./common/summary.ts


/**
 * Builds a job summary in Markdown and appends it to $GITHUB_STEP_SUMMARY.
 * All text is redacted when rendered. Table cells, headings, list items and
 * details titles are escaped, while paragraph and details bodies are
 * Markdown written by the caller. Unlike core.summary, write() never throws
 * for a missing variable: it logs a debug line and does nothing.
 */
class SummaryBuilder {
    blocks = [];
    writtenBlocks = 0;
    logger;
    constructor(opts = {}) {
        this.logger = opts.logger;
    }
    heading(text, level = 2) {
        return this.add(`${'#'.repeat(level)} ${escapeInline(text)}`);
    }
    /** Adds Markdown text as written. Pass outside text through escapeMarkdown() first. */
    paragraph(text) {
        return this.add(text);
    }
    /** Adds a table. Rows shorter than the header are padded with empty cells. */
    table(header, rows) {
        if (header.length === 0)
            throw new Error('A summary table needs a header');
        const width = header.length;
        const tooWide = rows.findIndex((row) => row.length > width);
        if (tooWide >= 0) {
            throw new Error(`Summary table row ${tooWide + 1} has ${rows[tooWide]?.length} cells, but the header has ${width}`);
        }
        const line = (cells) => {
            const padded = [...cells, ...Array(width - cells.length).fill('')];
            return `| ${padded.map((cell) => escapeCell(String(cell))).join(' | ')} |`;
        };
        const rule = `|${' --- |'.repeat(width)}`;
        return this.add([line(header), rule, ...rows.map(line)].join('\n'));
    }
    list(items) {
        if (items.length === 0)
            return this;
        return this.add(items.map((item) => `- ${escapeInline(item)}`).join('\n'));
    }
    /** Adds a collapsed section whose `body` is Markdown. */
    details(summary, body) {
        return this.add(`<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`);
    }
    /** Adds a fenced code block whose fence is longer than any backtick run in text. */
    code(text, lang = '') {
        const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
        const fence = '`'.repeat(Math.max(3, longestRun + 1));
        return this.add(`${fence}${lang}\n${text}\n${fence}`);
    }
    /** Returns the whole summary as Markdown, redacted. */
    toMarkdown() {
        return renderBlocks(this.blocks);
    }
    /**
     * Appends the blocks added since the last write to `file` (default:
     * GITHUB_STEP_SUMMARY), so calling write() again never repeats a block.
     */
    async write(file) {
        const target = file ?? process.env.GITHUB_STEP_SUMMARY;
        if (!target) {
            this.logger?.debug('GITHUB_STEP_SUMMARY is not set, so the job summary was not written');
            return;
        }
        const pending = this.blocks.slice(this.writtenBlocks);
        if (pending.length === 0)
            return;
        await (0,promises_.appendFile)(target, renderBlocks(pending), 'utf8');
        this.writtenBlocks += pending.length;
    }
    add(block) {
        this.blocks.push(block);
        return this;
    }
}
function renderBlocks(blocks) {
    return blocks.length === 0 ? '' : `${(0,masking/* redact */.E$)(blocks.join('\n\n'))}\n\n`;
}
/** Escapes text for HTML: &, < and >. */
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/**
 * Escapes text for a Markdown table cell: HTML, '|', '*' (so a masked `***`
 * shows as written) and line breaks (as <br>).
 */
function escapeCell(text) {
    return escapeHtml(text)
        .replace(/\\/g, '\\\\')
        .replace(/[|*]/g, '\\$&')
        .replace(/\r?\n/g, '<br>');
}
function escapeInline(text) {
    return escapeHtml(text).replace(/\r?\n/g, ' ');
}
/** Escapes Markdown punctuation so that outside text shows as written. */
function escapeMarkdown(text) {
    return escapeHtml(text).replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&');
}

;// CONCATENATED MODULE: ./common/run-action.ts









/**
 * Time that `main` gets, after the restore steps have run, to finish its
 * own unwinding (catch and finally blocks) before the outputs are written
 * and the process exits.
 */
const CANCEL_SETTLE_MS = 5_000;
/**
 * Runs an action's main function with a context built from the process:
 * inputs from INPUT_* variables, outputs to $GITHUB_OUTPUT, the job summary
 * to $GITHUB_STEP_SUMMARY, and SIGINT/SIGTERM handling. See runActionWith.
 */
async function runAction(main) {
    const env = process.env;
    const logger = actionsLogger;
    const ctx = {
        inputs: new InputReader(envInputSource(env)),
        outputs: new OutputWriter({ logger }),
        summary: new SummaryBuilder({ logger }),
        logger,
        cancellation: new Cancellation({ logger, exitAfterRestore: false }),
        clock: clock/* systemClock */.ml,
        sleep: clock/* realSleep */.uk,
        env,
    };
    await runActionWith(main, ctx, {
        setFailed: (message) => runner_commands/* setFailed */.C1(message),
        setExitCode: (code) => {
            process.exitCode = code;
        },
        exit: (code) => process.exit(code),
    });
}
/**
 * Installs the cancellation, runs `main`, then writes the outputs and the
 * job summary, also when `main` fails or is cancelled.
 *
 * - Failure: one setFailed line with the error message (the stack follows
 *   only when SHOW_STACK_TRACE=true, RUNNER_DEBUG=1 or
 *   ACTIONS_STEP_DEBUG=true), exit code 1.
 * - Cancellation: waits for the restore steps, then up to `settleMs` for
 *   `main` to return, writes the outputs and the summary and calls
 *   host.exit(130) for SIGINT or host.exit(143) for SIGTERM. A second
 *   signal exits at once through the cancellation's own process.
 *
 * Create `ctx.cancellation` with `exitAfterRestore: false`, because this
 * function decides when to exit.
 */
async function runActionWith(main, ctx, host, settleMs = CANCEL_SETTLE_MS) {
    const { cancellation, logger } = ctx;
    cancellation.install();
    const mainDone = Promise.resolve()
        .then(() => main(ctx))
        .then(() => ({ failed: false, error: undefined }), (error) => ({ failed: true, error }));
    const aborted = new Promise((resolve) => {
        if (cancellation.signal.aborted)
            resolve();
        cancellation.signal.addEventListener('abort', () => resolve(), {
            once: true,
        });
    });
    const result = await Promise.race([mainDone, aborted]);
    const cancelledBy = cancellation.cancelledBy;
    if (cancelledBy !== undefined) {
        await cancellation.restore();
        await settleWithin(mainDone, settleMs);
        const message = `The action was cancelled by ${cancelledBy}`;
        host.setFailed(message);
        ctx.summary.paragraph(escapeMarkdown(`${message}.`));
        await writeOutputsAndSummary(ctx);
        host.exit(signalExitCode(cancelledBy));
        return 'cancelled';
    }
    const { failed, error } = result ?? (await mainDone);
    if (failed) {
        const message = (0,masking/* redact */.E$)((0,errors/* errorMessage */.gJ)(error));
        host.setFailed(message);
        if (showStackTrace(ctx.env))
            logger.info(stackTrace(error));
        ctx.summary.paragraph(escapeMarkdown(`Failed: ${message}`));
    }
    const problems = await writeOutputsAndSummary(ctx);
    cancellation.uninstall();
    if (!failed && problems.length > 0) {
        host.setFailed(problems.join('; '));
    }
    if (failed || problems.length > 0) {
        host.setExitCode(1);
        return 'failed';
    }
    return 'succeeded';
}
/** Waits for `promise` to settle, but no longer than `ms`. */
async function settleWithin(promise, ms) {
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
    });
    await Promise.race([promise, timeout]);
    clearTimeout(timer);
}
/** Whether the failure line should be followed by the stack trace. */
function showStackTrace(env) {
    return (env.SHOW_STACK_TRACE === 'true' ||
        env.RUNNER_DEBUG === '1' ||
        env.ACTIONS_STEP_DEBUG === 'true');
}
/** Stack traces of an error and its causes, or the message when there is none. */
function stackTrace(error) {
    const traces = [];
    let current = error;
    while (current instanceof Error && traces.length < 5) {
        traces.push(current.stack ?? (0,errors/* errorMessage */.gJ)(current));
        current = current.cause;
    }
    if (traces.length === 0)
        return (0,errors/* errorMessage */.gJ)(error);
    return traces.join('\nCaused by: ');
}
/**
 * Flushes the outputs and writes the summary. Returns what failed instead
 * of throwing, so that one failure does not stop the other write.
 */
async function writeOutputsAndSummary(ctx) {
    const problems = [];
    try {
        await ctx.outputs.flush();
    }
    catch (error) {
        const message = `Writing the step outputs failed: ${(0,errors/* errorMessage */.gJ)(error)}`;
        ctx.logger.error(message);
        problems.push(message);
    }
    try {
        await ctx.summary.write();
    }
    catch (error) {
        ctx.logger.warning(`Writing the job summary failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    return problems;
}

// EXTERNAL MODULE: ./common/aws-clients.ts
var aws_clients = __nccwpck_require__(97814);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/glob.ts
/**
 * Matches build-folder paths against the patterns of the `content-types`
 * and `cache-control` inputs. A pattern without '/' matches the file name
 * in any folder (as in .gitignore); a pattern with '/' matches the whole
 * path relative to the build folder. `*` matches within one path segment,
 * `**` across segments, `?` one character other than '/'.
 */
function globToRegExp(pattern) {
    let source = '';
    for (let i = 0; i < pattern.length; i += 1) {
        const char = pattern[i];
        if (char === '*') {
            if (pattern[i + 1] === '*') {
                // '**/' matches zero or more whole folders; a bare '**' anything.
                if (pattern[i + 2] === '/') {
                    source += '(?:.*/)?';
                    i += 2;
                }
                else {
                    source += '.*';
                    i += 1;
                }
            }
            else {
                source += '[^/]*';
            }
        }
        else if (char === '?') {
            source += '[^/]';
        }
        else {
            source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        }
    }
    return new RegExp(`^${source}$`, 'u');
}
function compileRules(entries) {
    return entries.map(([pattern, value]) => ({
        pattern,
        regexp: globToRegExp(pattern.normalize('NFC')),
        matchName: !pattern.includes('/'),
        value,
    }));
}
/** Returns the first rule that matches the relative path, or undefined. */
function firstMatch(rules, relativePath) {
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    return rules.find((rule) => rule.regexp.test(rule.matchName ? name : relativePath));
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/content-types.ts

/**
 * Built-in content types by file extension (lower case, without the dot).
 * The table is fixed in the code, so the result does not depend on the
 * host's MIME database. Text types carry `charset=utf-8`.
 */
const CONTENT_TYPES = {
    html: 'text/html; charset=utf-8',
    htm: 'text/html; charset=utf-8',
    js: 'text/javascript; charset=utf-8',
    mjs: 'text/javascript; charset=utf-8',
    cjs: 'text/javascript; charset=utf-8',
    css: 'text/css; charset=utf-8',
    json: 'application/json; charset=utf-8',
    map: 'application/json; charset=utf-8',
    webmanifest: 'application/manifest+json; charset=utf-8',
    txt: 'text/plain; charset=utf-8',
    md: 'text/markdown; charset=utf-8',
    csv: 'text/csv; charset=utf-8',
    xml: 'application/xml; charset=utf-8',
    rss: 'application/rss+xml; charset=utf-8',
    atom: 'application/atom+xml; charset=utf-8',
    svg: 'image/svg+xml; charset=utf-8',
    wasm: 'application/wasm',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    avif: 'image/avif',
    ico: 'image/vnd.microsoft.icon',
    bmp: 'image/bmp',
    woff: 'font/woff',
    woff2: 'font/woff2',
    ttf: 'font/ttf',
    otf: 'font/otf',
    eot: 'application/vnd.ms-fontobject',
    mp4: 'video/mp4',
    webm: 'video/webm',
    mp3: 'audio/mpeg',
    ogg: 'audio/ogg',
    wav: 'audio/wav',
    pdf: 'application/pdf',
    zip: 'application/zip',
    gz: 'application/gzip',
};
/** Content type of files whose extension is not in the table. */
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** Picks content types: the `content-types` patterns first, then the table. */
class ContentTypes {
    rules;
    constructor(overrides = []) {
        this.rules = compileRules(overrides);
    }
    /** Content type of a path relative to the build folder. */
    typeOf(relativePath) {
        const rule = firstMatch(this.rules, relativePath);
        if (rule !== undefined)
            return rule.value;
        return CONTENT_TYPES[extensionOf(relativePath)] ?? DEFAULT_CONTENT_TYPE;
    }
}
/** Lower-case extension of the file name without the dot; '' when there is none. */
function extensionOf(relativePath) {
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    const dot = name.lastIndexOf('.');
    return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/cache-headers.ts


/** Built-in Cache-Control value of each file kind. */
const CACHE_CONTROL = {
    // Browsers and CloudFront must revalidate HTML on every load, so a new
    // release is visible at once.
    html: 'public, max-age=0, must-revalidate',
    // The name changes with the content, so the object never changes.
    fingerprinted: 'public, max-age=31536000, immutable',
    // Fixed names that browsers fetch directly (service worker, web manifest,
    // robots.txt): revalidated like HTML.
    entry: 'public, max-age=0, must-revalidate',
    // Other files keep their name across releases: a short cache, then revalidation.
    asset: 'public, max-age=300, must-revalidate',
};
// A name part of 8 or more characters after '.', '-' or '_' that contains
// both a digit and a letter, or is 8+ hexadecimal digits, as bundlers write
// it: main.3f9a1c2b.js, chunk-BX4Q7Z2M.js, logo.a1b2c3d4e5.svg.
const HASH_PART = /[.\-_]([A-Za-z0-9_-]{8,})\.[A-Za-z0-9]+$/;
const HEX_HASH = /^[0-9a-f]{8,}$/i;
const ENTRY_NAMES = new Set([
    'sw.js',
    'service-worker.js',
    'serviceworker.js',
    'manifest.json',
    'manifest.webmanifest',
    'site.webmanifest',
    'robots.txt',
    'sitemap.xml',
    'favicon.ico',
    'browserconfig.xml',
]);
/** Classifies a path relative to the build folder. */
function fileKind(relativePath) {
    const extension = extensionOf(relativePath);
    if (extension === 'html' || extension === 'htm')
        return 'html';
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    if (ENTRY_NAMES.has(name.toLowerCase()))
        return 'entry';
    if (isFingerprinted(name))
        return 'fingerprinted';
    return 'asset';
}
/** Whether a file name carries a content hash. */
function isFingerprinted(name) {
    const part = HASH_PART.exec(name)?.[1];
    if (part === undefined)
        return false;
    if (HEX_HASH.test(part))
        return true;
    return /\d/.test(part) && /[A-Za-z]/.test(part) && !/[_-]/.test(part);
}
/** Picks Cache-Control values: the `cache-control` patterns first, then the kind's value. */
class CacheHeaders {
    rules;
    constructor(overrides = []) {
        this.rules = compileRules(overrides);
    }
    cacheControlOf(relativePath) {
        const rule = firstMatch(this.rules, relativePath);
        return rule?.value ?? CACHE_CONTROL[fileKind(relativePath)];
    }
}

// EXTERNAL MODULE: ./actions/build-artifacts/src/files.ts
var src_files = __nccwpck_require__(51677);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/checksums.ts


/** Computes the SHA-256 of every file, `concurrency` files at a time. */
async function checksumFiles(files, concurrency = 8) {
    return (0,src_files/* mapLimit */.sf)(files, concurrency, async (file) => ({
        relativePath: file.relativePath,
        size: file.size,
        sha256: (await (0,src_files/* hashFile */.DC)(file.absolutePath)).sha256,
    }));
}
/**
 * Renders the checksums in the `sha256sum` format, one `<hex>  <path>` line
 * per file, sorted by path, so `sha256sum -c` can check a copy of the build.
 */
function checksumList(checksums) {
    return [...checksums]
        .sort((a, b) => a.relativePath < b.relativePath
        ? -1
        : a.relativePath > b.relativePath
            ? 1
            : 0)
        .map((entry) => `${entry.sha256}  ${entry.relativePath}\n`)
        .join('');
}
/**
 * SHA-256 of the checksum list: the frontend artifact's checksum, which
 * changes when any file's name or content changes.
 */
function buildDigest(checksums) {
    return (0,external_node_crypto_.createHash)('sha256').update(checksumList(checksums)).digest('hex');
}

// EXTERNAL MODULE: ./actions/build-artifacts/src/frontend-check.ts
var frontend_check = __nccwpck_require__(75869);
// EXTERNAL MODULE: ./actions/build-artifacts/src/s3-requests.ts + 1 modules
var s3_requests = __nccwpck_require__(14193);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/s3-publish.ts









/**
 * Loads the AWS SDK's S3 module on first use. Publish sends its listing,
 * uploads and HEAD requests through SignedS3Client, so a run that replaces
 * no index.html and deletes nothing never loads the SDK.
 */
const sdkCommands = () => Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(711)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 53711, 19));
/** Object metadata key (x-amz-meta-sha256) with the hex SHA-256 of the content. */
const SHA256_METADATA = 'sha256';
/** Files of this size or larger are uploaded in parts, as `aws s3` does by default. */
const DEFAULT_MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/**
 * Folder under the prefix that contains copies of replaced index.html files in
 * unversioned buckets. Publish never lists its objects as stale.
 */
const KEEP_FOLDER = '.deploy-kit/previous-index';
/** Object key of a build file: the prefix, '/', the NFC relative path. */
function objectKey(prefix, relativePath) {
    const key = relativePath.normalize('NFC');
    return prefix === '' ? key : `${prefix.normalize('NFC')}/${key}`;
}
/** Whether an ETag is that of a multipart upload (`<hex>-<parts>`). */
function isMultipartEtag(etag) {
    return /-\d+$/.test(etag);
}
/**
 * Decides whether a local file differs from the stored object by content:
 * the MD5 against a single-part ETag, else the SHA-256 that publish stores
 * in the object's metadata. Returns undefined when the object must be
 * inspected (a multipart ETag) before deciding.
 */
function compareByContent(local, remote) {
    if (remote === undefined)
        return 'new';
    if (isMultipartEtag(remote.etag))
        return undefined;
    // NOTE: objects encrypted with SSE-KMS or SSE-C have an ETag that is not
    // their MD5, so they count as changed and are uploaded again.
    return remote.etag === local.md5 ? 'unchanged' : 'changed';
}
/**
 * Checks the stale-object guard: deleting `staleCount` of `existingCount`
 * objects must not exceed `maxDeletePercent`. Throws the reason otherwise.
 */
function checkDeletionGuard(staleCount, existingCount, maxDeletePercent, where) {
    if (staleCount === 0)
        return;
    if (staleCount * 100 > maxDeletePercent * existingCount) {
        const percent = ((staleCount * 100) / existingCount).toFixed(1);
        throw new Error(`delete-stale would delete ${staleCount} of the ${existingCount} objects under ${where} (${percent}%), more than max-delete-percent ${maxDeletePercent}%. Nothing was uploaded or deleted. Check frontend-dir and frontend-prefix, or raise max-delete-percent when the deletion is intended.`);
    }
}
/**
 * Publishes the build folder to S3:
 * 1. lists the objects under the prefix and hashes every local file;
 * 2. decides by content which files changed (see compareByContent);
 * 3. with delete-stale, checks the deletion guard before any write;
 * 4. uploads assets, then HTML, then the root index.html, after keeping
 *    the replaced index.html (its version id, or a copy);
 * 5. with delete-stale, deletes the objects that are not in the build.
 */
async function publishToS3(opts) {
    const { bucket, prefix, logger } = opts;
    const where = `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}`;
    const semaphore = new s3_requests/* Semaphore */.jf(opts.concurrency);
    logger.info(`Listing the objects under ${where}`);
    const localKeys = opts.files.map((file) => objectKey(prefix, file.relativePath));
    const [remote, digests] = await Promise.all([
        listObjects(opts, where, localKeys),
        opts.localDigests ?? hashAll(opts),
    ]);
    logger.info(`Found ${remote.size} objects under ${where}`);
    const planned = opts.files.map((file) => {
        const fileDigests = digests.get(file.relativePath);
        if (fileDigests === undefined) {
            throw new Error(`No checksum was computed for ${file.relativePath}`);
        }
        return {
            file,
            key: objectKey(prefix, file.relativePath),
            sha256: fileDigests.sha256,
            md5: fileDigests.md5,
            ...(fileDigests.content === undefined
                ? {}
                : { content: fileDigests.content }),
        };
    });
    await decideChanges(opts, planned, remote, semaphore);
    const localKeySet = new Set(localKeys);
    const staleKeys = [...remote.keys()]
        .filter((key) => !localKeySet.has(key))
        .sort();
    if (opts.deleteStale) {
        checkDeletionGuard(staleKeys.length, remote.size, opts.maxDeletePercent, where);
    }
    else if (staleKeys.length > 0) {
        logger.info(`${staleKeys.length} objects under ${where} are not in the build; they stay because delete-stale is false`);
    }
    const toUpload = planned.filter((entry) => entry.reason !== undefined);
    const unchangedCount = planned.length - toUpload.length;
    const toDelete = opts.deleteStale ? staleKeys.length : 0;
    logger.info(`${(0,plural/* plural */.L)(toUpload.length, 'file')} to upload (${toUpload.filter((e) => e.reason === 'new').length} new, ${toUpload.filter((e) => e.reason === 'changed').length} changed), ${unchangedCount} unchanged${toDelete > 0 ? `, ${(0,plural/* plural */.L)(toDelete, 'stale object')} to delete after the uploads` : ''}`);
    const rootIndexKey = objectKey(prefix, frontend_check/* INDEX_FILE */.K);
    const isHtml = (entry) => /\.html?$/i.test(entry.file.relativePath);
    const assets = toUpload.filter((entry) => !isHtml(entry));
    const pages = toUpload.filter((entry) => isHtml(entry) && entry.key !== rootIndexKey);
    const rootIndex = toUpload.find((entry) => entry.key === rootIndexKey);
    const uploaded = [];
    const progress = new Progress(toUpload.length, logger, opts.clock);
    const uploadAll = async (batch, label) => {
        if (batch.length === 0)
            return;
        logger.info(`Uploading ${(0,plural/* plural */.L)(batch.length, label)}`);
        await (0,src_files/* mapLimit */.sf)(batch, opts.concurrency, async (entry) => {
            uploaded.push(await uploadFile(opts, entry, semaphore));
            progress.step();
        });
    };
    let previousIndex;
    try {
        await uploadAll(assets, 'asset');
        await uploadAll(pages, 'HTML file');
        if (rootIndex !== undefined) {
            if (rootIndex.reason === 'changed') {
                previousIndex = await keepPreviousIndex(opts, rootIndexKey);
            }
            await uploadAll([rootIndex], frontend_check/* INDEX_FILE */.K);
        }
    }
    catch (error) {
        const indexState = rootIndex === undefined
            ? 'unchanged'
            : uploaded.some((file) => file.key === rootIndexKey)
                ? 'replaced'
                : 'not replaced, so visitors still get the previous site';
        logger.warning(`Publish stopped after uploading ${uploaded.length} of ${(0,plural/* plural */.L)(toUpload.length, 'file')} to ${where}. ${frontend_check/* INDEX_FILE */.K} is ${indexState}, and no object was deleted.`);
        throw error;
    }
    const deletedKeys = [];
    if (opts.deleteStale && staleKeys.length > 0) {
        logStaleKeys(logger, staleKeys, where);
        await deleteObjects(opts, staleKeys);
        deletedKeys.push(...staleKeys);
        logger.info(`Deleted ${(0,plural/* plural */.L)(staleKeys.length, 'stale object')} under ${where}`);
    }
    uploaded.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const changedKeys = [
        ...uploaded
            .filter((file) => file.reason === 'changed')
            .map((file) => file.key),
        ...deletedKeys,
    ];
    return {
        uploaded,
        unchangedCount,
        deletedKeys,
        existingCount: remote.size,
        uploadedBytes: uploaded.reduce((sum, file) => sum + file.size, 0),
        ...(previousIndex === undefined ? {} : { previousIndex }),
        changedKeys,
        checksums: planned.map((entry) => ({
            relativePath: entry.file.relativePath,
            size: entry.file.size,
            sha256: entry.sha256,
        })),
    };
}
/** Hashes every file with SHA-256 and MD5, by relative path. */
async function hashAll(opts) {
    opts.logger.info(`Hashing ${opts.files.length} files`);
    const digests = new Map();
    await (0,src_files/* mapLimit */.sf)(opts.files, Math.max(4, opts.concurrency), async (file) => {
        const fileDigests = await (0,src_files/* hashFile */.DC)(file.absolutePath, { md5: true });
        digests.set(file.relativePath, {
            sha256: fileDigests.sha256,
            md5: fileDigests.md5 ?? '',
        });
    });
    return digests;
}
/** Local keys per listing segment; a segment of this size fits one page. */
const LIST_SEGMENT_KEYS = 500;
const MAX_LIST_SEGMENTS = 8;
/**
 * Lists the objects under the prefix, leaving out the kept index copies.
 * S3 returns keys in UTF-8 byte order, so the key space is cut at local keys
 * into segments that are listed in parallel (StartAfter the previous
 * boundary, up to and including the next one). Together the segments cover
 * every key under the prefix once, stale keys included.
 */
async function listObjects(opts, where, localKeys) {
    const listPrefix = opts.prefix === '' ? '' : `${opts.prefix}/`;
    const keepPrefix = `${listPrefix}${KEEP_FOLDER}/`;
    const boundaries = listBoundaries(localKeys, opts.concurrency);
    const segmentCount = boundaries.length + 1;
    const pageSize = Math.min(1000, Math.ceil((localKeys.length / segmentCount) * 1.1) + 10);
    const objects = new Map();
    await (0,src_files/* mapLimit */.sf)(Array.from({ length: segmentCount }, (_, index) => index), segmentCount, async (index) => {
        const startAfter = index === 0 ? undefined : boundaries[index - 1];
        const last = boundaries[index];
        const lastBytes = last === undefined ? undefined : Buffer.from(last);
        let token;
        let first = true;
        do {
            const continuationToken = token;
            const page = await (0,s3_requests/* sendWithRetry */.lx)(`S3 ListObjectsV2 ${where}`, (abortSignal) => opts.signed.listObjectsPage({
                prefix: listPrefix,
                ...(continuationToken === undefined
                    ? {}
                    : { continuationToken }),
                ...(first && startAfter !== undefined ? { startAfter } : {}),
                ...(segmentCount > 1 ? { maxKeys: pageSize } : {}),
            }, abortSignal), signedLimits(opts));
            first = false;
            token = page.continuationToken;
            for (const item of page.objects) {
                if (lastBytes !== undefined &&
                    Buffer.compare(Buffer.from(item.key), lastBytes) > 0) {
                    token = undefined;
                    break;
                }
                if (item.key.startsWith(keepPrefix))
                    continue;
                objects.set(item.key, { etag: item.etag, size: item.size });
            }
        } while (token !== undefined);
    });
    return objects;
}
/**
 * Picks the keys that end each listing segment but the last: about one
 * boundary per LIST_SEGMENT_KEYS local keys, at most one segment per
 * request in flight. Returns them in UTF-8 byte order.
 */
function listBoundaries(localKeys, concurrency) {
    const segments = Math.min(MAX_LIST_SEGMENTS, concurrency, Math.ceil(localKeys.length / LIST_SEGMENT_KEYS));
    if (segments <= 1)
        return [];
    const sorted = localKeys
        .map((key) => Buffer.from(key))
        .sort(Buffer.compare)
        .map((bytes) => bytes.toString());
    const boundaries = [];
    for (let index = 1; index < segments; index += 1) {
        const key = sorted[Math.floor((index * sorted.length) / segments) - 1];
        if (key !== undefined && key !== boundaries.at(-1))
            boundaries.push(key);
    }
    return boundaries;
}
/**
 * Limits of a SignedS3Client request. It has no retry loop of its own, unlike
 * the SDK client, so it gets the attempts the SDK would make.
 */
function signedLimits(opts) {
    return { ...opts.limits, maxAttempts: aws_clients/* DEFAULT_MAX_ATTEMPTS */.Gz };
}
/** Sets `reason` on each planned file that must be uploaded. */
async function decideChanges(opts, planned, remote, semaphore) {
    const inspect = [];
    for (const entry of planned) {
        const decision = compareByContent(entry, remote.get(entry.key));
        if (decision === undefined)
            inspect.push(entry);
        else if (decision !== 'unchanged')
            entry.reason = decision;
    }
    if (inspect.length === 0)
        return;
    opts.logger.info(`Reading the SHA-256 metadata of ${(0,plural/* plural */.L)(inspect.length, 'multipart object')}`);
    await (0,src_files/* mapLimit */.sf)(inspect, opts.concurrency, async (entry) => {
        const headers = await semaphore.use(() => (0,s3_requests/* sendWithRetry */.lx)(`S3 HeadObject ${entry.key}`, (abortSignal) => opts.signed.headObject(entry.key, abortSignal), signedLimits(opts)));
        // A key deleted since the listing counts as changed, so it is uploaded.
        const stored = headers?.[`x-amz-meta-${SHA256_METADATA}`];
        if (stored !== entry.sha256)
            entry.reason = 'changed';
    });
}
async function uploadFile(opts, entry, semaphore) {
    const { file, key } = entry;
    const contentType = opts.contentTypes.typeOf(file.relativePath);
    const cacheControl = opts.cacheHeaders.cacheControlOf(file.relativePath);
    const threshold = opts.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
    const multipart = file.size >= threshold;
    const headers = { contentType, cacheControl, sha256: entry.sha256 };
    if (multipart) {
        await uploadMultipart(opts, entry, headers, semaphore);
    }
    else {
        // Synchronous for the same reason as in local-pass.ts: single-part
        // files are below the multipart threshold of 8 MiB.
        const body = entry.content ?? (0,external_node_fs_.readFileSync)(file.absolutePath);
        delete entry.content;
        // The SHA-256 and MD5 of the earlier read are the signed payload hash
        // and Content-MD5, so S3 rejects the body if the file changed since.
        await semaphore.use(() => (0,s3_requests/* sendWithRetry */.lx)(`S3 PutObject ${key}`, (abortSignal) => opts.signed.putObject(key, body, {
            contentType,
            cacheControl,
            sha256: entry.sha256,
            md5: entry.md5,
            metadata: { [SHA256_METADATA]: entry.sha256 },
        }, abortSignal), signedLimits(opts)));
    }
    opts.logger.debug(`Uploaded ${key} (${file.size} bytes, ${entry.reason})`);
    return {
        relativePath: file.relativePath,
        key,
        size: file.size,
        reason: entry.reason ?? 'changed',
        multipart,
        contentType,
        cacheControl,
    };
}
/** Uploads one file in parts; the upload is aborted when a part fails. */
async function uploadMultipart(opts, entry, headers, semaphore) {
    const { key, file } = entry;
    const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
    const limits = signedLimits(opts);
    // CreateMultipartUpload is not cancelled midway: S3 can create the upload
    // after the request is sent, and only the response carries the id that
    // aborting it needs. A cancellation during it aborts the upload after.
    const { signal: cancelSignal, ...uncancelled } = limits;
    const uploadId = await semaphore.use(() => (0,s3_requests/* sendWithRetry */.lx)(`S3 CreateMultipartUpload ${key}`, (abortSignal) => opts.signed.createMultipartUpload(key, {
        contentType: headers.contentType,
        cacheControl: headers.cacheControl,
        metadata: { [SHA256_METADATA]: headers.sha256 },
    }, abortSignal), uncancelled));
    const partCount = Math.max(1, Math.ceil(file.size / partSize));
    const partNumbers = Array.from({ length: partCount }, (_, i) => i + 1);
    let completing = false;
    try {
        cancelSignal?.throwIfAborted();
        const handle = await (0,promises_.open)(file.absolutePath, 'r');
        let parts;
        try {
            parts = await (0,src_files/* mapLimit */.sf)(partNumbers, partCount, (partNumber) => semaphore.use(async () => {
                const offset = (partNumber - 1) * partSize;
                const length = Math.min(partSize, file.size - offset);
                const body = Buffer.alloc(length);
                await handle.read(body, 0, length, offset);
                // The part's SHA-256 is its signed payload hash, which S3 checks.
                const sha256 = (0,external_node_crypto_.createHash)('sha256').update(body).digest('hex');
                const etag = await (0,s3_requests/* sendWithRetry */.lx)(`S3 UploadPart ${key} part ${partNumber} of ${partCount}`, (abortSignal) => opts.signed.uploadPart(key, uploadId, partNumber, body, sha256, abortSignal), limits);
                return { partNumber, etag };
            }));
        }
        finally {
            await handle.close();
        }
        completing = true;
        await semaphore.use(() => (0,s3_requests/* sendWithRetry */.lx)(`S3 CompleteMultipartUpload ${key}`, (abortSignal) => opts.signed.completeMultipartUpload(key, uploadId, parts, abortSignal), limits));
    }
    catch (error) {
        opts.logger.warning(`Aborting the multipart upload of ${key}`);
        // Sent without the caller's signal, so that a cancelled run still frees
        // the parts it stored, within one attempt timeout.
        await opts.signed
            .abortMultipartUpload(key, uploadId, AbortSignal.timeout(opts.limits.attemptTimeoutMs))
            .catch((abortError) => {
            const status = abortError.$metadata?.httpStatusCode;
            if (completing && status === 404) {
                // The CompleteMultipartUpload request reached S3 before it was
                // stopped, so the object is complete and no upload is left.
                opts.logger.info(`The multipart upload of ${key} had completed before publish stopped; nothing to abort`);
                return;
            }
            opts.logger.warning(`${(0,errors/* errorMessage */.gJ)(abortError)}. Its parts stay until a lifecycle rule for incomplete multipart uploads removes them.`);
        });
        throw error;
    }
}
/**
 * Keeps the index.html that is about to be replaced: its version id when the
 * bucket has versioning enabled, otherwise a server-side copy under
 * KEEP_FOLDER named after the run id.
 */
async function keepPreviousIndex(opts, key) {
    const { bucket, limits, logger } = opts;
    const s3 = await opts.sdk();
    const { CopyObjectCommand, GetBucketVersioningCommand, HeadObjectCommand } = await sdkCommands();
    const versioning = await (0,s3_requests/* sendS3 */.Js)(s3, `S3 GetBucketVersioning ${bucket}`, (client, abortSignal) => client.send(new GetBucketVersioningCommand({ Bucket: bucket }), {
        abortSignal,
    }), limits);
    if (versioning.Status === 'Enabled') {
        const head = await (0,s3_requests/* sendS3 */.Js)(s3, `S3 HeadObject ${key}`, (client, abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
            abortSignal,
        }), limits);
        if (head.VersionId !== undefined && head.VersionId !== 'null') {
            logger.info(`Kept the previous ${key} as version ${head.VersionId}`);
            return { bucket, key, version_id: head.VersionId };
        }
    }
    const base = opts.prefix === '' ? '' : `${opts.prefix}/`;
    const copyKey = `${base}${KEEP_FOLDER}/${opts.runId}-${opts.clock.now()}.html`;
    await (0,s3_requests/* sendS3 */.Js)(s3, `S3 CopyObject ${key} to ${copyKey}`, (client, abortSignal) => client.send(new CopyObjectCommand({
        Bucket: bucket,
        Key: copyKey,
        CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
        MetadataDirective: 'COPY',
    }), { abortSignal }), limits);
    logger.info(`Kept the previous ${key} as a copy at ${copyKey}`);
    return { bucket, key, copy_key: copyKey };
}
async function deleteObjects(opts, keys) {
    const s3 = await opts.sdk();
    const { DeleteObjectsCommand } = await sdkCommands();
    for (let start = 0; start < keys.length; start += 1000) {
        const batch = keys.slice(start, start + 1000);
        const result = await (0,s3_requests/* sendS3 */.Js)(s3, `S3 DeleteObjects (${batch.length} keys)`, (s3, abortSignal) => s3.send(new DeleteObjectsCommand({
            Bucket: opts.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }), { abortSignal }), opts.limits);
        const errors = result.Errors ?? [];
        if (errors.length > 0) {
            const first = errors[0];
            throw new Error(`S3 DeleteObjects failed for ${errors.length} keys, first ${first?.Key}: ${first?.Code} ${first?.Message}`);
        }
    }
}
/** Logs every key that delete-stale is about to delete, one per line. */
function logStaleKeys(logger, keys, where) {
    logger.info(`Deleting ${(0,plural/* plural */.L)(keys.length, 'stale object')} under ${where} (not in the build):`);
    for (const key of keys)
        logger.info(`  ${key}`);
}
/** Logs upload progress about every tenth of the files or every 10 s. */
class Progress {
    total;
    logger;
    clock;
    done = 0;
    lastLogAt;
    lastTenth = 0;
    constructor(total, logger, clock) {
        this.total = total;
        this.logger = logger;
        this.clock = clock;
        this.lastLogAt = clock.now();
    }
    step() {
        this.done += 1;
        const tenth = Math.floor((this.done * 10) / Math.max(1, this.total));
        const now = this.clock.now();
        if (tenth > this.lastTenth || now - this.lastLogAt >= 10_000) {
            this.lastTenth = tenth;
            this.lastLogAt = now;
            this.logger.info(`Uploaded ${this.done} of ${this.total} files`);
        }
    }
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __nccwpck_require__(77030);
var external_node_net_default = /*#__PURE__*/__nccwpck_require__.n(external_node_net_);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __nccwpck_require__(41692);
var external_node_tls_default = /*#__PURE__*/__nccwpck_require__.n(external_node_tls_);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/http-pool.ts
/**
 * A lean HTTP/1.1 client for one origin, used by SignedS3Client for the
 * thousands of small S3 requests of publish. Each request is written in one
 * vectored write and its response is parsed here: a status line, headers,
 * then a body framed by Content-Length, chunked transfer coding or the end
 * of the connection. Connections are kept for the next request when the
 * response allows it and closed after an idle period.
 *
 * Per request it costs about a third less CPU than node:http, whose
 * ClientRequest, IncomingMessage streams and agent bookkeeping dominate
 * when every request is small. It does no redirects, proxies or
 * decompression, which S3's API does not need.
 */


/** Error of the connection or of a response that is not valid HTTP/1.1; `code` is a Node.js network error code. */
class HttpConnectionError extends Error {
    code;
    constructor(message, code, options) {
        super(message, options);
        this.code = code;
        this.name = 'HttpConnectionError';
    }
}
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** Response heads beyond this size are rejected. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A token of RFC 9110 section 5.6.2: a method or a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A header value as node:http accepts it: tab, visible ASCII, space and
 * obs-text. The head is written as latin1, so a character above U+00FF
 * would lose its high byte, and U+010A would become LF.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** An already encoded origin-form or absolute-form request target. */
const REQUEST_TARGET = /^[\x21-\x7e]+$/;
/** Hex digits of the largest chunk size below 2^53, after leading zeros. */
const MAX_CHUNK_SIZE_DIGITS = 13;
/**
 * Incremental parser of one response. `push` returns true once the
 * response is complete. The client sends one request at a time on a
 * connection, so bytes after the response are an error.
 */
class ResponseParser {
    method;
    buffered = Buffer.alloc(0);
    status = 0;
    headers = {};
    framing;
    bodyChunks = [];
    /** Chunked coding: bytes of the current chunk still to read, -1 before a size line, -2 in the trailers. */
    chunkRemaining = -1;
    done = false;
    keepAlive = false;
    constructor(method) {
        this.method = method;
    }
    /** Feeds received bytes; returns true when the response is complete. */
    push(data) {
        if (this.done) {
            throw new HttpConnectionError('The server sent bytes after the end of the response', 'ERR_HTTP_PARSE');
        }
        this.buffered =
            this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
        for (;;) {
            if (this.framing === undefined) {
                if (!this.parseHead())
                    return false;
                continue;
            }
            this.done = this.parseBody();
            return this.done;
        }
    }
    /** Called when the connection ends; returns true when that completes the response. */
    end() {
        if (this.done)
            return true;
        if (this.framing?.kind === 'close') {
            this.bodyChunks.push(this.buffered);
            this.buffered = Buffer.alloc(0);
            this.done = true;
            return true;
        }
        return false;
    }
    response() {
        return {
            status: this.status,
            headers: this.headers,
            body: this.bodyChunks.length === 1
                ? this.bodyChunks[0]
                : Buffer.concat(this.bodyChunks),
        };
    }
    /** Parses the status line and headers once they are all buffered. */
    parseHead() {
        const end = this.buffered.indexOf(HEAD_END);
        if (end < 0) {
            if (this.buffered.length > MAX_HEAD_BYTES) {
                throw new HttpConnectionError(`The response head is larger than ${MAX_HEAD_BYTES} bytes`, 'ERR_HTTP_PARSE');
            }
            return false;
        }
        const lines = this.buffered.toString('latin1', 0, end).split('\r\n');
        this.buffered = this.buffered.subarray(end + HEAD_END.length);
        const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
        if (statusLine === null) {
            throw new HttpConnectionError(`The server returned an invalid status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`, 'ERR_HTTP_PARSE');
        }
        const status = Number(statusLine[2]);
        const headers = {};
        for (const line of lines.slice(1)) {
            const colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HttpConnectionError(`The server sent an invalid header line: ${JSON.stringify(line.slice(0, 80))}`, 'ERR_HTTP_PARSE');
            }
            const name = line.slice(0, colon).trim().toLowerCase();
            const value = line.slice(colon + 1).trim();
            const earlier = headers[name];
            headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
        }
        // An interim response (100 Continue) precedes the real one.
        if (status >= 100 && status < 200)
            return true;
        this.status = status;
        this.headers = headers;
        const connection = (headers.connection ?? '').toLowerCase();
        const http11 = statusLine[1] === '1';
        this.keepAlive = http11
            ? !/\bclose\b/.test(connection)
            : /\bkeep-alive\b/.test(connection);
        const transferEncoding = headers['transfer-encoding'];
        if (this.method === 'HEAD' || status === 204 || status === 304) {
            this.framing = { kind: 'none' };
        }
        else if (transferEncoding !== undefined) {
            const codings = transferEncoding.toLowerCase().split(',');
            if (codings[codings.length - 1]?.trim() !== 'chunked') {
                // RFC 9112 section 6.3: without chunked as the last coding, the
                // body ends when the server closes the connection.
                this.framing = { kind: 'close' };
                this.keepAlive = false;
            }
            else {
                this.framing = { kind: 'chunked' };
                // Content-Length beside Transfer-Encoding may be an attempt at
                // response splitting (RFC 9112 section 6.3), so the connection
                // is not trusted for another request.
                if (headers['content-length'] !== undefined)
                    this.keepAlive = false;
            }
        }
        else if (headers['content-length'] !== undefined) {
            this.framing = {
                kind: 'length',
                remaining: parseContentLength(headers['content-length']),
            };
        }
        else {
            this.framing = { kind: 'close' };
            this.keepAlive = false;
        }
        return true;
    }
    /** Consumes body bytes; returns true at the end of the body. */
    parseBody() {
        const framing = this.framing;
        switch (framing.kind) {
            case 'none':
                return this.finishWithoutExtraBytes();
            case 'close':
                this.bodyChunks.push(this.buffered);
                this.buffered = Buffer.alloc(0);
                return false;
            case 'length': {
                const take = Math.min(framing.remaining, this.buffered.length);
                if (take > 0) {
                    this.bodyChunks.push(this.buffered.subarray(0, take));
                    this.buffered = this.buffered.subarray(take);
                    framing.remaining -= take;
                }
                if (framing.remaining > 0)
                    return false;
                return this.finishWithoutExtraBytes();
            }
            case 'chunked':
                return this.parseChunks();
        }
    }
    parseChunks() {
        for (;;) {
            if (this.chunkRemaining === -1 || this.chunkRemaining === -2) {
                const lineEnd = this.buffered.indexOf(CRLF);
                if (lineEnd < 0)
                    return false;
                const line = this.buffered.toString('latin1', 0, lineEnd);
                this.buffered = this.buffered.subarray(lineEnd + CRLF.length);
                if (this.chunkRemaining === -2) {
                    // Trailer fields end with an empty line.
                    if (line === '')
                        return this.finishWithoutExtraBytes();
                    continue;
                }
                const size = /^0*([0-9a-fA-F]+)\s*(?:;.*)?$/.exec(line);
                if (size === null ||
                    size[1].length > MAX_CHUNK_SIZE_DIGITS) {
                    throw new HttpConnectionError(`The server sent an invalid chunk size line: ${JSON.stringify(line.slice(0, 80))}`, 'ERR_HTTP_PARSE');
                }
                const length = Number.parseInt(size[1], 16);
                this.chunkRemaining = length === 0 ? -2 : length;
                continue;
            }
            // Inside a chunk: its data, then CRLF.
            const take = Math.min(this.chunkRemaining, this.buffered.length);
            if (take > 0) {
                this.bodyChunks.push(this.buffered.subarray(0, take));
                this.buffered = this.buffered.subarray(take);
                this.chunkRemaining -= take;
            }
            if (this.chunkRemaining > 0)
                return false;
            if (this.buffered.length < CRLF.length) {
                this.chunkRemaining = 0;
                return false;
            }
            if (!this.buffered.subarray(0, CRLF.length).equals(CRLF)) {
                throw new HttpConnectionError('The server sent chunk data longer than its size line', 'ERR_HTTP_PARSE');
            }
            this.buffered = this.buffered.subarray(CRLF.length);
            this.chunkRemaining = -1;
        }
    }
    finishWithoutExtraBytes() {
        if (this.buffered.length > 0) {
            throw new HttpConnectionError('The server sent bytes after the end of the response', 'ERR_HTTP_PARSE');
        }
        return true;
    }
}
/**
 * Parses Content-Length: digits only (RFC 9112 section 6.2), or a list of
 * equal values when the header was repeated (RFC 9110 section 8.6).
 */
function parseContentLength(value) {
    const values = value.split(',').map((item) => item.trim());
    const first = values[0];
    const length = /^\d+$/.test(first) ? Number(first) : Number.NaN;
    if (!Number.isSafeInteger(length) || values.some((item) => item !== first)) {
        throw new HttpConnectionError(`The server sent an invalid Content-Length: ${JSON.stringify(value.slice(0, 80))}`, 'ERR_HTTP_PARSE');
    }
    return length;
}
/**
 * Builds the request line and headers, or throws a TypeError for a method,
 * target or header that would break the message framing.
 */
function requestHead(request) {
    if (!TOKEN.test(request.method)) {
        throw new TypeError(`The request method ${JSON.stringify(request.method)} is not a valid token`);
    }
    if (!REQUEST_TARGET.test(request.target)) {
        throw new TypeError(`The request target ${JSON.stringify(request.target)} contains a space, a control character or a non-ASCII character, which must be percent-encoded`);
    }
    let head = `${request.method} ${request.target} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(request.headers)) {
        if (!TOKEN.test(name)) {
            throw new TypeError(`The header name ${JSON.stringify(name)} is not a valid token`);
        }
        if (!HEADER_VALUE.test(value)) {
            throw new TypeError(`The header ${JSON.stringify(name)} contains a character that is not allowed in a header value (a control character other than tab, or one above U+00FF)`);
        }
        head += `${name}: ${value}\r\n`;
    }
    return `${head}\r\n`;
}
/** Abort error shaped like the one node:http rejects with. */
function abortError(signal) {
    const error = new Error('The operation was aborted', {
        cause: signal.reason,
    });
    error.name = 'AbortError';
    error.code = 'ABORT_ERR';
    return error;
}
class HttpPool {
    opts;
    idle = [];
    port;
    tlsSession;
    destroyed = false;
    constructor(opts) {
        this.opts = opts;
        this.port = opts.port ?? (opts.protocol === 'https:' ? 443 : 80);
    }
    /** Closes the idle connections; requests in flight end with their own. */
    destroy() {
        this.destroyed = true;
        for (const entry of this.idle.splice(0))
            entry.socket.destroy();
    }
    /** Sends one request and reads its whole response. */
    async request(request) {
        if (request.signal.aborted)
            throw abortError(request.signal);
        const head = requestHead(request);
        const reused = this.idle.pop();
        reused?.detach();
        const socket = reused?.socket ?? this.connect();
        return new Promise((resolve, reject) => {
            const parser = new ResponseParser(request.method);
            let settled = false;
            const cleanUp = () => {
                settled = true;
                socket.off('data', onData);
                socket.off('end', onEnd);
                socket.off('error', onError);
                socket.off('close', onEnd);
                request.signal.removeEventListener('abort', onAbort);
            };
            const fail = (error) => {
                if (settled)
                    return;
                cleanUp();
                socket.destroy();
                reject(error);
            };
            const onData = (data) => {
                let complete;
                try {
                    complete = parser.push(data);
                }
                catch (error) {
                    fail(error);
                    return;
                }
                if (!complete)
                    return;
                cleanUp();
                if (parser.keepAlive)
                    this.release(socket);
                else
                    socket.destroy();
                resolve(parser.response());
            };
            const onEnd = () => {
                if (settled)
                    return;
                if (parser.end()) {
                    cleanUp();
                    socket.destroy();
                    resolve(parser.response());
                    return;
                }
                fail(new HttpConnectionError(`The connection to ${this.opts.hostname} closed before the response ended (socket hang up)`, 'ECONNRESET'));
            };
            const onError = (error) => fail(error);
            const onAbort = () => fail(abortError(request.signal));
            socket.on('data', onData);
            socket.on('end', onEnd);
            socket.on('close', onEnd);
            socket.on('error', onError);
            request.signal.addEventListener('abort', onAbort, { once: true });
            socket.cork();
            socket.write(head, 'latin1');
            if (request.body !== undefined && request.body.length > 0) {
                socket.write(request.body);
            }
            socket.uncork();
        });
    }
    connect() {
        const { hostname } = this.opts;
        if (this.opts.protocol === 'https:') {
            const socket = external_node_tls_default().connect({
                ...this.opts.tls,
                host: hostname,
                port: this.port,
                ...(external_node_net_default().isIP(hostname) === 0 ? { servername: hostname } : {}),
                ALPNProtocols: ['http/1.1'],
                ...(this.tlsSession === undefined ? {} : { session: this.tlsSession }),
            });
            socket.on('session', (session) => {
                this.tlsSession = session;
            });
            socket.setNoDelay(true);
            return socket;
        }
        const socket = external_node_net_default().connect({ host: hostname, port: this.port });
        socket.setNoDelay(true);
        return socket;
    }
    /** Keeps a connection for the next request, or closes it. */
    release(socket) {
        if (this.destroyed || this.idle.length >= this.opts.maxIdle) {
            socket.destroy();
            return;
        }
        // A server that closes an idle connection, or unrequested bytes, end its
        // reuse. The listeners are removed when the socket is taken again.
        const drop = () => {
            const index = this.idle.findIndex((entry) => entry.socket === socket);
            if (index >= 0)
                this.idle.splice(index, 1);
            detach();
            socket.destroy();
        };
        const events = ['end', 'close', 'data', 'error', 'timeout'];
        const detach = () => {
            for (const event of events)
                socket.off(event, drop);
            socket.setTimeout(0);
        };
        for (const event of events)
            socket.once(event, drop);
        socket.setTimeout(this.opts.idleTimeoutMs);
        this.idle.push({ socket, detach });
    }
}

// EXTERNAL MODULE: ./actions/build-artifacts/src/sigv4.ts
var sigv4 = __nccwpck_require__(21077);
;// CONCATENATED MODULE: ./actions/build-artifacts/src/s3-signed-client.ts
/**
 * A small S3 client for the requests publish sends by the thousand
 * (PutObject of files below the multipart threshold, ListObjectsV2 and
 * HeadObject) and for multipart uploads. Each request is signed with SigV4
 * (sigv4.ts) and sent through a pool of keep-alive connections
 * (http-pool.ts), without the AWS SDK's middleware pipeline, which costs
 * several times more client CPU per request and about 150 ms to load. The rarer operations of publish (the
 * copy of the replaced index.html, deletions) go through the SDK.
 */




/** Error of an S3 response with a status of 300 or more, shaped like the SDK's service errors. */
class S3ResponseError extends Error {
    Code;
    $metadata;
    constructor(operation, status, code, detail, requestId) {
        super(`${operation} failed with HTTP ${status} ${code}${detail ? `: ${detail}` : ''}${requestId ? ` (request id ${requestId})` : ''}`);
        this.name = code;
        this.Code = code;
        this.$metadata = {
            httpStatusCode: status,
            ...(requestId === undefined ? {} : { requestId }),
        };
    }
}
/**
 * Resolves the endpoint of a bucket the way the kit's SDK clients are set
 * up. An AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL endpoint gets path-style
 * addressing. Otherwise the regional S3 endpoint (FIPS and dual-stack when
 * AWS_USE_FIPS_ENDPOINT or AWS_USE_DUALSTACK_ENDPOINT is true) gets
 * virtual-hosted-style addressing, or path style for a bucket name with a
 * dot, which the wildcard TLS certificate does not cover.
 */
function bucketEndpoint(bucket, region, env) {
    const configured = (0,aws_clients/* endpointFor */.Lo)('S3', env);
    if (configured !== undefined) {
        const url = new URL(configured);
        const base = url.pathname.replace(/\/+$/, '');
        return {
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[|\]$/g, ''),
            ...(url.port === '' ? {} : { port: Number(url.port) }),
            host: url.host,
            basePath: `${base}/${(0,sigv4/* uriEncode */.HQ)(bucket)}`,
        };
    }
    const fips = env.AWS_USE_FIPS_ENDPOINT?.trim().toLowerCase() === 'true';
    const dualStack = env.AWS_USE_DUALSTACK_ENDPOINT?.trim().toLowerCase() === 'true';
    // NOTE: only the aws and aws-cn partitions are covered, so a region of
    // another partition (such as the ISO regions) gets a wrong host name.
    const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    const service = fips ? 's3-fips' : 's3';
    const regional = `${service}${dualStack ? '.dualstack' : ''}.${region}.${domain}`;
    if (bucket.includes('.')) {
        return {
            protocol: 'https:',
            hostname: regional,
            host: regional,
            basePath: `/${(0,sigv4/* uriEncode */.HQ)(bucket)}`,
        };
    }
    const host = `${bucket}.${regional}`;
    return { protocol: 'https:', hostname: host, host, basePath: '' };
}
class SignedS3Client {
    opts;
    endpoint;
    pool;
    /** X-Amz-Date of the current second, formatted once per second. */
    amzDate = { second: Number.NaN, text: '' };
    constructor(opts) {
        this.opts = opts;
        this.endpoint = bucketEndpoint(opts.bucket, opts.region, opts.env);
        this.pool = new HttpPool({
            protocol: this.endpoint.protocol,
            hostname: this.endpoint.hostname,
            ...(this.endpoint.port === undefined ? {} : { port: this.endpoint.port }),
            maxIdle: opts.maxIdleConnections,
            // Idle connections are closed after 4 s, so a request rarely gets one
            // that the server has closed. When it does, the request fails with
            // ECONNRESET and the caller retries it.
            idleTimeoutMs: 4_000,
        });
    }
    /** Closes the pooled connections. */
    destroy() {
        this.pool.destroy();
    }
    /**
     * Uploads one object in a single request. `sha256` and `md5` are the hex
     * digests of `body`: the first is the signed payload hash, the second
     * goes to Content-MD5, so S3 rejects a body that changed on the way.
     */
    async putObject(key, body, headers, signal) {
        const extra = {
            'content-type': headers.contentType,
            'cache-control': headers.cacheControl,
            'content-md5': Buffer.from(headers.md5, 'hex').toString('base64'),
            'content-length': String(body.length),
        };
        for (const [name, value] of Object.entries(headers.metadata)) {
            extra[`x-amz-meta-${name}`] = value;
        }
        await this.send('PutObject', 'PUT', key, [], extra, body, headers.sha256, signal);
    }
    /**
     * Starts a multipart upload with the object's headers and metadata;
     * returns its upload id.
     */
    async createMultipartUpload(key, headers, signal) {
        const extra = {
            'content-type': headers.contentType,
            'cache-control': headers.cacheControl,
        };
        for (const [name, value] of Object.entries(headers.metadata)) {
            extra[`x-amz-meta-${name}`] = value;
        }
        const response = await this.send('CreateMultipartUpload', 'POST', key, [['uploads', '']], extra, undefined, sigv4/* EMPTY_PAYLOAD_SHA256 */.P8, signal);
        const uploadId = xmlValue(response.body.toString('utf8'), 'UploadId');
        if (uploadId === undefined || uploadId === '') {
            throw new Error(`S3 CreateMultipartUpload ${key} returned no upload id`);
        }
        return uploadId;
    }
    /**
     * Uploads one part. `sha256` is the hex SHA-256 of `body`, the signed
     * payload hash, which S3 checks against the body it receives. Returns the
     * part's ETag, quotes included.
     */
    async uploadPart(key, uploadId, partNumber, body, sha256, signal) {
        const response = await this.send('UploadPart', 'PUT', key, [
            ['partNumber', String(partNumber)],
            ['uploadId', uploadId],
        ], { 'content-length': String(body.length) }, body, sha256, signal);
        const etag = response.headers.etag;
        if (typeof etag !== 'string' || etag === '') {
            throw new Error(`S3 UploadPart ${key} part ${partNumber} returned no ETag`);
        }
        return etag;
    }
    /**
     * Completes a multipart upload from its parts in order. S3 can return
     * HTTP 200 with an error document in the body once the response has
     * started, and that error is thrown like any other.
     */
    async completeMultipartUpload(key, uploadId, parts, signal) {
        const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
            .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${encodeXmlText(part.etag)}</ETag></Part>`)
            .join('')}</CompleteMultipartUpload>`;
        const body = Buffer.from(xml, 'utf8');
        const response = await this.send('CompleteMultipartUpload', 'POST', key, [['uploadId', uploadId]], {
            'content-type': 'application/xml',
            'content-length': String(body.length),
        }, body, (0,external_node_crypto_.createHash)('sha256').update(body).digest('hex'), signal);
        const text = response.body.toString('utf8');
        if (/<Error>/.test(text)) {
            throw responseError('CompleteMultipartUpload', key, {
                ...response,
                // An error in a 200 response is retried like a server error.
                status: 500,
            });
        }
    }
    /** Aborts a multipart upload, which frees the parts stored so far. */
    async abortMultipartUpload(key, uploadId, signal) {
        await this.send('AbortMultipartUpload', 'DELETE', key, [['uploadId', uploadId]], {}, undefined, sigv4/* EMPTY_PAYLOAD_SHA256 */.P8, signal);
    }
    /** Returns the response headers of HeadObject, or undefined when the key does not exist. */
    async headObject(key, signal) {
        try {
            const response = await this.send('HeadObject', 'HEAD', key, [], {}, undefined, sigv4/* EMPTY_PAYLOAD_SHA256 */.P8, signal);
            return response.headers;
        }
        catch (error) {
            if (error instanceof S3ResponseError &&
                error.$metadata.httpStatusCode === 404) {
                return undefined;
            }
            throw error;
        }
    }
    /** Lists one page (up to 1,000 keys) of ListObjectsV2. */
    async listObjectsPage(params, signal) {
        const query = [
            ['list-type', '2'],
            ['prefix', params.prefix],
        ];
        if (params.continuationToken !== undefined) {
            query.push(['continuation-token', params.continuationToken]);
        }
        if (params.startAfter !== undefined) {
            query.push(['start-after', params.startAfter]);
        }
        if (params.maxKeys !== undefined) {
            query.push(['max-keys', String(params.maxKeys)]);
        }
        const response = await this.send('ListObjectsV2', 'GET', undefined, query, {}, undefined, sigv4/* EMPTY_PAYLOAD_SHA256 */.P8, signal);
        return parseListPage(response.body.toString('utf8'));
    }
    currentAmzDate() {
        const now = this.opts.now();
        const second = Math.floor(now / 1000);
        if (second !== this.amzDate.second) {
            this.amzDate = { second, text: (0,sigv4/* amzDateOf */.oC)(now) };
        }
        return this.amzDate.text;
    }
    async send(operation, method, key, query, extraHeaders, body, payloadHash, signal) {
        const credentials = await this.opts.credentials();
        const endpoint = this.endpoint;
        const path = key === undefined
            ? `${endpoint.basePath}/`
            : `${endpoint.basePath}/${(0,sigv4/* uriEncode */.HQ)(key, true)}`;
        const amzDate = this.currentAmzDate();
        const headers = {
            host: endpoint.host,
            'x-amz-date': amzDate,
            'x-amz-content-sha256': payloadHash,
            ...extraHeaders,
        };
        if (credentials.sessionToken !== undefined) {
            headers['x-amz-security-token'] = credentials.sessionToken;
        }
        if (body === undefined && (method === 'POST' || method === 'PUT')) {
            headers['content-length'] = '0';
        }
        headers.authorization = (0,sigv4/* authorizationHeader */.bc)({ method, path, query, headers, payloadHash }, {
            credentials,
            region: this.opts.region,
            service: 's3',
            amzDate,
        });
        const search = query
            .map(([name, value]) => `${(0,sigv4/* uriEncode */.HQ)(name)}=${(0,sigv4/* uriEncode */.HQ)(value)}`)
            .join('&');
        const response = await this.pool.request({
            method,
            target: search === '' ? path : `${path}?${search}`,
            headers,
            ...(body === undefined ? {} : { body }),
            signal,
        });
        if (response.status >= 300) {
            throw responseError(operation, key, response);
        }
        return response;
    }
}
function responseError(operation, key, response) {
    const text = response.body.toString('utf8');
    const code = xmlValue(text, 'Code') ??
        (response.status === 404 ? 'NotFound' : `HTTP${response.status}`);
    const message = xmlValue(text, 'Message') ?? '';
    const requestId = xmlValue(text, 'RequestId') ??
        response.headers['x-amz-request-id'];
    return new S3ResponseError(key === undefined ? `S3 ${operation}` : `S3 ${operation} ${key}`, response.status, code, message, requestId);
}
const XML_ENTITIES = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    apos: "'",
};
/** Escapes text for an XML element. */
function encodeXmlText(text) {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
}
/** Decodes the five XML entities and numeric character references. */
function decodeXmlText(text) {
    return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name) => {
        if (name.startsWith('#x')) {
            return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
        }
        if (name.startsWith('#')) {
            return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
        }
        return XML_ENTITIES[name] ?? whole;
    });
}
/** Text of the first `<tag>` element in `xml`, decoded; undefined when absent. */
function xmlValue(xml, tag) {
    const start = xml.indexOf(`<${tag}>`);
    if (start < 0)
        return undefined;
    const end = xml.indexOf(`</${tag}>`, start);
    if (end < 0)
        return undefined;
    return decodeXmlText(xml.slice(start + tag.length + 2, end));
}
/**
 * Parses a ListObjectsV2 response body: the key, ETag and size of each
 * `<Contents>` element and the continuation token of a truncated page.
 */
function parseListPage(xml) {
    const objects = [];
    let position = 0;
    for (;;) {
        const start = xml.indexOf('<Contents>', position);
        if (start < 0)
            break;
        const end = xml.indexOf('</Contents>', start);
        if (end < 0) {
            throw new Error('S3 ListObjectsV2 returned a truncated XML body');
        }
        const element = xml.slice(start, end);
        const key = xmlValue(element, 'Key');
        if (key === undefined) {
            throw new Error('S3 ListObjectsV2 returned an object without a Key');
        }
        objects.push({
            key,
            etag: (xmlValue(element, 'ETag') ?? '').replace(/^"|"$/g, ''),
            size: Number(xmlValue(element, 'Size') ?? '0'),
        });
        position = end;
    }
    const truncated = xmlValue(xml, 'IsTruncated') === 'true';
    const token = truncated ? xmlValue(xml, 'NextContinuationToken') : undefined;
    if (truncated && token === undefined) {
        throw new Error('S3 ListObjectsV2 returned a truncated page without NextContinuationToken');
    }
    return token === undefined
        ? { objects }
        : { objects, continuationToken: token };
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/secret-scan.ts


/** Credential patterns, as their issuers document the formats. */
const SECRET_RULES = [
    {
        rule: 'aws-access-key-id',
        description: 'AWS access key id',
        // Key ids are 20 characters: a 4-letter prefix and 16 base32 characters.
        pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g,
        // AKIAIOSFODNN7EXAMPLE and the like are AWS's documentation examples.
        accept: (match) => !match.endsWith('EXAMPLE'),
    },
    {
        rule: 'aws-secret-access-key',
        description: 'AWS secret access key assignment',
        pattern: /(?:aws_?secret_?access_?key|secret_?access_?key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
        accept: (match) => !/EXAMPLEKEY/.test(match),
    },
    {
        rule: 'private-key',
        description: 'private key block',
        pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    },
    {
        rule: 'github-token',
        description: 'GitHub token',
        pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    },
    {
        rule: 'slack-token',
        description: 'Slack token',
        pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
    },
    {
        rule: 'stripe-secret-key',
        description: 'Stripe secret key',
        pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}/g,
    },
    {
        rule: 'npm-token',
        description: 'npm access token',
        pattern: /\bnpm_[A-Za-z0-9]{36}\b/g,
    },
];
// Files are read whole; one larger than this is scanned in its first part
// only and reported, because builds do not ship such text files.
const MAX_SCAN_BYTES = 64 * 1024 * 1024;
// A NUL byte in the first 8 KiB marks a binary file (as git decides it).
const BINARY_PROBE_BYTES = 8000;
/** Whether a file name is an environment file (`.env`, `.env.production`, ...). */
function isEnvFile(relativePath) {
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    return name === '.env' || name.startsWith('.env.');
}
/** Checks the names of the build files: environment files and, unless allowed, source maps. */
function scanFileNames(files, opts) {
    const findings = [];
    for (const file of files) {
        if (isEnvFile(file.relativePath)) {
            findings.push({
                relativePath: file.relativePath,
                rule: 'env-file',
                description: 'environment file, which usually holds secrets; remove it from the build',
            });
        }
        else if (!opts.includeSourceMaps &&
            file.relativePath.toLowerCase().endsWith('.map')) {
            findings.push({
                relativePath: file.relativePath,
                rule: 'source-map',
                description: 'source map, which publishes the original source; remove it or set include-source-maps: true',
            });
        }
    }
    return findings;
}
/** Finds credentials in text; one finding per match, with its line. */
function scanText(relativePath, text) {
    const findings = [];
    for (const rule of SECRET_RULES) {
        rule.pattern.lastIndex = 0;
        for (const match of text.matchAll(rule.pattern)) {
            if (rule.accept && !rule.accept(match[0]))
                continue;
            findings.push({
                relativePath,
                line: lineOf(text, match.index),
                rule: rule.rule,
                description: `${rule.description} (${match[0].length} characters, value not shown)`,
            });
        }
    }
    return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
function lineOf(text, index) {
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
        line += 1;
    }
    return line;
}
/** Whether the start of a file contains a NUL byte. */
async function isBinary(file) {
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const buffer = Buffer.alloc(BINARY_PROBE_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, BINARY_PROBE_BYTES, 0);
        return buffer.subarray(0, bytesRead).includes(0);
    }
    finally {
        await handle.close();
    }
}
/**
 * Scans the contents of one file for credentials; returns undefined for a
 * binary file (a NUL byte in the first 8000 bytes).
 */
function scanBuffer(relativePath, buffer) {
    if (buffer.subarray(0, BINARY_PROBE_BYTES).includes(0))
        return undefined;
    const text = buffer.subarray(0, MAX_SCAN_BYTES).toString('utf8');
    return scanText(relativePath, text);
}
/**
 * Scans every build file: names first (environment files, source maps),
 * then the contents of every text file for credentials. Binary files are
 * skipped. Findings never contain the matched value.
 */
async function scanBuild(files, opts) {
    const findings = scanFileNames(files, opts);
    let scannedFiles = 0;
    let skippedBinary = 0;
    const perFile = await (0,src_files/* mapLimit */.sf)(files, opts.concurrency ?? 8, async (file) => {
        if (file.size === 0)
            return [];
        if (await isBinary(file.absolutePath)) {
            skippedBinary += 1;
            return [];
        }
        scannedFiles += 1;
        const buffer = await (0,promises_.readFile)(file.absolutePath);
        const text = buffer.subarray(0, MAX_SCAN_BYTES).toString('utf8');
        return scanText(file.relativePath, text);
    });
    for (const list of perFile)
        findings.push(...list);
    return { findings, scannedFiles, skippedBinary };
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/local-pass.ts




/** Files up to this size are read whole once for the scan and both hashes. */
const WHOLE_READ_MAX_BYTES = 8 * 1024 * 1024;
/** Small files read between two turns of the event loop. */
const YIELD_EVERY_FILES = 32;
/** Total size of the file contents that the pass keeps for the uploads. */
const KEPT_CONTENTS_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Reads every build file once: scans names and text contents (see
 * secret-scan.ts) and computes SHA-256 and MD5. Files above 8 MiB are
 * streamed for the hashes, and read again for the scan only when their
 * start shows text. With `keepContentsBelow`, the contents of files smaller
 * than that size are kept in `digests` (up to KEPT_CONTENTS_MAX_BYTES in
 * total), so publish uploads the bytes it hashed without reading them again.
 */
async function scanAndHash(files, opts) {
    const findings = scanFileNames(files, opts);
    const digests = new Map();
    let keptBytes = 0;
    let scannedFiles = 0;
    let skippedBinary = 0;
    let sinceYield = 0;
    let pause;
    const perFile = await (0,src_files/* mapLimit */.sf)(files, opts.concurrency ?? 16, async (file) => {
        if (file.size <= WHOLE_READ_MAX_BYTES) {
            // The synchronous reads below never return to the event loop, so
            // without a pause the requests started beside this pass (the
            // bucket listing of publish) would be sent only after it ends.
            // Every worker waits for the same pause.
            sinceYield += 1;
            if (sinceYield >= YIELD_EVERY_FILES) {
                sinceYield = 0;
                pause = new Promise((resolve) => setImmediate(resolve)).then(() => {
                    pause = undefined;
                });
            }
            if (pause !== undefined)
                await pause;
            // A synchronous read of a small file costs a fraction of
            // fs.promises.readFile (no FileHandle, no chunked reads), and at
            // most 8 MiB blocks the event loop for a few milliseconds.
            const buffer = (0,external_node_fs_.readFileSync)(file.absolutePath);
            const fileDigests = (0,src_files/* hashBuffer */.jY)(buffer);
            if (buffer.length < (opts.keepContentsBelow ?? 0) &&
                keptBytes + buffer.length <= KEPT_CONTENTS_MAX_BYTES) {
                keptBytes += buffer.length;
                fileDigests.content = buffer;
            }
            digests.set(file.relativePath, fileDigests);
            const found = file.size === 0 ? [] : scanBuffer(file.relativePath, buffer);
            if (found === undefined)
                skippedBinary += 1;
            else
                scannedFiles += 1;
            return found ?? [];
        }
        const streamed = await (0,src_files/* hashFile */.DC)(file.absolutePath, { md5: true });
        digests.set(file.relativePath, {
            sha256: streamed.sha256,
            md5: streamed.md5 ?? '',
        });
        if (await isBinary(file.absolutePath)) {
            skippedBinary += 1;
            return [];
        }
        scannedFiles += 1;
        const buffer = await (0,promises_.readFile)(file.absolutePath);
        return scanBuffer(file.relativePath, buffer) ?? [];
    });
    for (const list of perFile)
        findings.push(...list);
    return { findings, scannedFiles, skippedBinary, digests };
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/frontend-part.ts











/** Name of the frontend artifact in its record. */
const FRONTEND_ARTIFACT_NAME = 'frontend';
/** Lists the build folder after the folder checks; the label is relative to the workspace. */
async function loadBuild(frontend, workspace) {
    const label = external_node_path_default().relative(workspace, frontend.dir) || '.';
    return (0,frontend_check/* checkBuildFolder */.H)(frontend.dir, label);
}
/**
 * Scans the build for credentials and files that must not ship; throws with
 * every finding listed (file, line, rule, never the value).
 */
async function scanFrontend(ctx, files, frontend, report) {
    ctx.logger.info(`Scanning ${files.length} frontend files for credentials and files that must not ship`);
    const scan = await scanBuild(files, {
        includeSourceMaps: frontend.includeSourceMaps,
    });
    reportScan(ctx, scan, report);
}
/** Records the scan result; throws with every finding listed when there is one. */
function reportScan(ctx, scan, report) {
    const counts = {};
    for (const finding of scan.findings) {
        counts[finding.rule] = (counts[finding.rule] ?? 0) + 1;
    }
    report.details.frontend_scan = {
        scanned_text_files: scan.scannedFiles,
        skipped_binary_files: scan.skippedBinary,
        finding_counts: counts,
    };
    if (scan.findings.length === 0) {
        ctx.logger.info(`Scan passed: no finding in ${(0,plural/* plural */.L)(scan.scannedFiles, 'text file')} (${(0,plural/* plural */.L)(scan.skippedBinary, 'binary file')} skipped)`);
        return;
    }
    const lines = scan.findings.map((f) => `${f.relativePath}${f.line === undefined ? '' : `:${f.line}`}: ${f.rule}: ${f.description}`);
    for (const line of lines)
        ctx.logger.error(line);
    report.sections.push({ title: 'Frontend scan findings', lines });
    report.rows.push([
        'frontend scan',
        `failed, ${scan.findings.length} findings`,
    ]);
    throw new Error(`The frontend scan found ${scan.findings.length} problems (${Object.entries(counts)
        .map(([rule, count]) => `${rule}: ${count}`)
        .join(', ')}), first ${lines[0]}. Remove the files or secrets from the build and rebuild.`);
}
/** Builds the frontend artifact record from the checksums. */
function frontendRecord(inputs, checksums, createdAt, location, publish) {
    return {
        type: 'frontend_files',
        name: FRONTEND_ARTIFACT_NAME,
        version: inputs.commitSha,
        size_bytes: checksums.reduce((sum, entry) => sum + entry.size, 0),
        sha256: buildDigest(checksums),
        created_at: new Date(createdAt).toISOString(),
        location,
        pipeline_run_id: inputs.runId,
        scan: { status: 'passed', threshold: 'any finding', finding_counts: {} },
        bucket: publish?.bucket ?? null,
        prefix: publish?.prefix ?? '',
        file_count: checksums.length,
        index_file: frontend_check/* INDEX_FILE */.K,
    };
}
function setFrontendOutputs(ctx, record) {
    ctx.outputs.set('frontend-file-count', record.file_count);
    ctx.outputs.set('frontend-size-bytes', record.size_bytes);
    ctx.outputs.set('frontend-sha256', record.sha256);
}
/** Runs the `frontend` part: scan, checksums and artifact record, without any AWS request. */
async function runFrontend(ctx, inputs, files, report, recordsArtifactName) {
    const frontend = inputs.frontend;
    await scanFrontend(ctx, files, frontend, report);
    ctx.logger.info(`Computing SHA-256 checksums of ${files.length} files`);
    const checksums = await checksumFiles(files);
    report.checksumList = checksumList(checksums);
    const record = frontendRecord(inputs, checksums, ctx.clock.now(), {
        kind: 'workflow-artifact',
        name: recordsArtifactName,
    });
    report.setFrontendRecord(record);
    setFrontendOutputs(ctx, record);
    ctx.logger.info(`Frontend: ${record.file_count} files, ${record.size_bytes} bytes, SHA-256 ${record.sha256}`);
    report.rows.push([
        'frontend',
        `${record.file_count} files, ${record.size_bytes} bytes, scan passed, SHA-256 ${record.sha256}`,
    ]);
}
/** Runs the `publish` part: scan (unless frontend ran), upload to S3 and invalidation. */
async function runPublish(ctx, inputs, files, report, deadline, alreadyScanned) {
    const frontend = inputs.frontend;
    const publish = inputs.publish;
    // The scan and the hashes come from one read of each file, while the
    // bucket listing runs at the same time. A finding rejects localDigests,
    // which stops publish before its first write.
    let localDigests;
    const keepContentsBelow = DEFAULT_MULTIPART_THRESHOLD;
    if (alreadyScanned) {
        localDigests = scanAndHash(files, {
            includeSourceMaps: true,
            keepContentsBelow,
        }).then((pass) => pass.digests);
    }
    else {
        ctx.logger.info(`Scanning ${files.length} frontend files for credentials and files that must not ship`);
        localDigests = scanAndHash(files, {
            includeSourceMaps: frontend.includeSourceMaps,
            keepContentsBelow,
        }).then((pass) => {
            reportScan(ctx, pass, report);
            return pass.digests;
        });
    }
    // The SDK client is created on first use: a publish that needs no
    // index copy or deletion never loads the SDK.
    let sdkClient;
    const sdk = () => {
        sdkClient ??= Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(711)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 53711, 19)).then(({ S3Client }) => {
            const client = (0,aws_clients/* createAwsClient */.nV)(S3Client, {
                region: inputs.awsRegion,
                logger: ctx.logger,
                env: ctx.env,
                attemptTimeoutMs: inputs.attemptTimeoutMs,
            });
            skipOptionalChecksums(client);
            return client;
        });
        return sdkClient;
    };
    const signed = new SignedS3Client({
        bucket: publish.bucket,
        region: inputs.awsRegion,
        env: ctx.env,
        credentials: signingCredentials(ctx.env, sdk),
        maxIdleConnections: publish.uploadConcurrency,
        now: () => ctx.clock.now(),
    });
    const signal = AbortSignal.any([
        ctx.cancellation.signal,
        AbortSignal.timeout(Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1))),
    ]);
    let result;
    try {
        result = await publishToS3({
            sdk,
            signed,
            bucket: publish.bucket,
            prefix: publish.prefix,
            files,
            contentTypes: new ContentTypes(publish.contentTypes),
            cacheHeaders: new CacheHeaders(publish.cacheControl),
            deleteStale: publish.deleteStale,
            maxDeletePercent: publish.maxDeletePercent,
            concurrency: publish.uploadConcurrency,
            runId: inputs.runId,
            limits: {
                attemptTimeoutMs: inputs.attemptTimeoutMs,
                maxAttempts: 3,
                signal,
                logger: ctx.logger,
            },
            clock: ctx.clock,
            logger: ctx.logger,
            localDigests,
        });
    }
    catch (error) {
        if (deadline.expired()) {
            throw deadline.timeoutError('publishing to S3', { cause: error });
        }
        throw error;
    }
    finally {
        signed.destroy();
        if (sdkClient !== undefined)
            (await sdkClient).destroy();
    }
    ctx.outputs.set('uploaded-count', result.uploaded.length);
    ctx.outputs.set('unchanged-count', result.unchangedCount);
    ctx.outputs.set('deleted-count', result.deletedKeys.length);
    ctx.outputs.set('previous-index-json', result.previousIndex === undefined ? '' : result.previousIndex);
    const record = frontendRecord(inputs, result.checksums, ctx.clock.now(), { kind: 's3', bucket: publish.bucket, prefix: publish.prefix }, { bucket: publish.bucket, prefix: publish.prefix });
    if (result.previousIndex !== undefined) {
        const { bucket, key, version_id, copy_key } = result.previousIndex;
        record.previous_index =
            version_id !== undefined
                ? { bucket, key, version_id }
                : { bucket, key: copy_key ?? key };
    }
    report.setFrontendRecord(record);
    // With the frontend part in the same step, the outputs are set already,
    // from the same files, so they have the same values.
    if (!alreadyScanned)
        setFrontendOutputs(ctx, record);
    report.details.publish = {
        bucket: publish.bucket,
        prefix: publish.prefix,
        uploaded: result.uploaded.length,
        uploaded_bytes: result.uploadedBytes,
        unchanged: result.unchangedCount,
        deleted: result.deletedKeys.length,
        // The log names every deleted key; the record keeps the first 1,000.
        deleted_keys: result.deletedKeys.slice(0, 1000),
        existing_objects: result.existingCount,
        previous_index: result.previousIndex ?? null,
    };
    const where = `s3://${publish.bucket}/${publish.prefix}`;
    report.rows.push([
        'publish',
        `${where}: ${result.uploaded.length} uploaded (${result.uploadedBytes} bytes), ${result.unchangedCount} unchanged, ${result.deletedKeys.length} deleted`,
    ]);
    if (result.uploaded.length > 0) {
        const shown = result.uploaded.slice(0, 50);
        report.sections.push({
            title: `Uploaded files (${result.uploaded.length})`,
            lines: [
                ...shown.map((file) => `${file.key} (${file.reason}, ${file.size} bytes, ${file.contentType}, ${file.cacheControl})`),
                ...(result.uploaded.length > shown.length
                    ? [`and ${result.uploaded.length - shown.length} more`]
                    : []),
            ],
        });
    }
    const cloudFront = publish.cloudFront;
    if (cloudFront === undefined)
        return;
    // Loaded on demand, because most publishes need no CloudFront client.
    const { CloudFrontClient } = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(169)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 23169, 19));
    const { invalidateChanged } = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(169), __nccwpck_require__.e(632)]).then(__nccwpck_require__.bind(__nccwpck_require__, 58632));
    const client = (0,aws_clients/* createAwsClient */.nV)(CloudFrontClient, {
        region: inputs.awsRegion,
        logger: ctx.logger,
        env: ctx.env,
        attemptTimeoutMs: inputs.attemptTimeoutMs,
    });
    try {
        const invalidation = await invalidateChanged({
            cloudFront: client,
            distributionId: cloudFront.distributionId,
            changedKeys: result.changedKeys,
            prefix: publish.prefix,
            maxPaths: cloudFront.maxPaths,
            callerReference: `build-artifacts-${inputs.runId}-${ctx.clock.now()}`,
            wait: cloudFront.wait,
            deadline: deadline.child('CloudFront invalidation', cloudFront.timeoutMs),
            logger: ctx.logger,
            sleep: ctx.sleep,
            signal: ctx.cancellation.signal,
        });
        if (invalidation === undefined) {
            report.rows.push([
                'invalidation',
                'none needed: no object was replaced or deleted',
            ]);
            return;
        }
        ctx.outputs.set('invalidation-id', invalidation.id);
        report.details.invalidation = {
            distribution_id: cloudFront.distributionId,
            id: invalidation.id,
            paths: invalidation.paths,
            wildcard: invalidation.wildcard,
            status: invalidation.status,
        };
        report.rows.push([
            'invalidation',
            `${invalidation.id} in ${cloudFront.distributionId}: ${invalidation.wildcard ? invalidation.paths[0] : `${invalidation.paths.length} paths`}, status ${invalidation.status}`,
        ]);
    }
    finally {
        client.destroy();
    }
}
/**
 * Returns the credentials provider of the signed requests. When the
 * environment carries both access keys, they are used, as the kit's SDK
 * clients use them. Otherwise the SDK client's default provider chain
 * (web identity, container and instance credentials) supplies them, and
 * it caches and refreshes them.
 */
function signingCredentials(env, sdk) {
    const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
    if (accessKeyId && secretAccessKey) {
        const sessionToken = env.AWS_SESSION_TOKEN?.trim();
        const fixed = sessionToken
            ? { accessKeyId, secretAccessKey, sessionToken }
            : { accessKeyId, secretAccessKey };
        return () => Promise.resolve(fixed);
    }
    return async () => {
        const client = await sdk();
        const identity = await client.config.credentials();
        return identity.sessionToken
            ? {
                accessKeyId: identity.accessKeyId,
                secretAccessKey: identity.secretAccessKey,
                sessionToken: identity.sessionToken,
            }
            : {
                accessKeyId: identity.accessKeyId,
                secretAccessKey: identity.secretAccessKey,
            };
    };
}
/**
 * Turns off the SDK's optional CRC32 checksum of request bodies. The SDK
 * client sends no object content here, because uploads go through
 * SignedS3Client, whose signed payload hashes S3 checks. An operation that
 * requires a checksum (DeleteObjects) still gets one. The SDK reads this
 * setting per request.
 */
function skipOptionalChecksums(s3) {
    const config = s3.config;
    if (typeof config.requestChecksumCalculation === 'function') {
        config.requestChecksumCalculation = () => Promise.resolve('WHEN_REQUIRED');
    }
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/inputs.ts

/**
 * Parts of the action, in the order they run. `restore-index` belongs to
 * the rollback stage and runs alone.
 */
const PARTS = ['image', 'frontend', 'publish', 'restore-index'];
/** `mode: all` is the build stage: image and frontend. */
const ALL_PARTS = ['image', 'frontend'];
const SEVERITY_THRESHOLDS = [
    'critical',
    'high',
    'medium',
    'low',
    'informational',
    'none',
];
/** Platforms that ECS on Fargate runs Linux images on. */
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
/** Inputs without a default that only some parts use. */
const PART_INPUTS = [
    ['ecr-repository', ['image']],
    ['ecr-registry', ['image']],
    ['build-args', ['image']],
    ['target', ['image']],
    ['labels', ['image']],
    ['extra-tags', ['image']],
    ['frontend-dir', ['frontend', 'publish']],
    ['frontend-bucket', ['publish']],
    ['frontend-prefix', ['publish']],
    ['content-types', ['publish']],
    ['cache-control', ['publish']],
    ['cloudfront-distribution-id', ['publish']],
    ['previous-index-json', ['restore-index']],
];
// Grammar of the docker CLI for tags and repository paths (ECR allows
// lowercase paths of 2 to 256 characters).
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_TAG_HINT = "Use a tag of 1 to 128 letters, digits, '_', '.' and '-' that does not start with '.' or '-'.";
const ECR_REPOSITORY = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REGISTRY_HOST = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const BUILD_TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const URL_PATH = /^\/\S{0,1023}$/;
const DISTRIBUTION_ID = /^[A-Z0-9]{1,32}$/;
// type/subtype with optional parameters, as in RFC 9110 section 8.3.
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))*$/;
// Comma-separated directives, each a token or token=value. Quoted strings
// in both take printable ASCII only, because the values become HTTP headers.
const inputs_CACHE_CONTROL = /^[A-Za-z-]+(?:=(?:[A-Za-z0-9-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))?(?:\s*,\s*[A-Za-z-]+(?:=(?:[A-Za-z0-9-]+|"[\t\x20\x21\x23-\x5b\x5d-\x7e]*"))?)*$/;
const CONTROL_CHARACTERS = /\p{Cc}/u;
/**
 * Reads every build-artifacts input through `reader` exactly once and
 * validates each one and the combinations the selected parts need. Relative
 * paths resolve against `workspace` and must stay inside it.
 */
function readInputs(reader, workspace) {
    const parts = readParts(reader);
    const awsRegion = readAwsRegion(reader);
    const runId = readRunId(reader);
    const commitSha = readCommitSha(reader);
    const timeoutMs = reader.duration('timeout', { required: true });
    const attemptTimeoutMs = reader.duration('attempt-timeout', {
        required: true,
    });
    const deadlineAt = reader.deadline('deadline-at');
    const recordFile = resolveWorkspacePath(reader, 'record-file', reader.string('record-file', { required: true }), { workspace });
    const retentionDays = reader.integer('retention-days', {
        required: true,
        min: 1,
        max: 400,
    });
    checkNotLonger(reader, { name: 'attempt-timeout', ms: attemptTimeoutMs }, { name: 'timeout', ms: timeoutMs });
    const scope = {
        reader,
        workspace,
        parts,
        timeoutMs,
        setInputs: new Map(),
    };
    const image = readImageSettings(scope);
    const frontend = readFrontendSettings(scope);
    const publish = readPublishSettings(scope);
    const restoreIndex = readRestoreIndexSettings(scope);
    checkPartInputs(scope);
    return {
        parts,
        awsRegion,
        runId,
        commitSha,
        timeoutMs,
        attemptTimeoutMs,
        ...(deadlineAt === undefined ? {} : { deadlineAt }),
        recordFile,
        retentionDays,
        ...(image === undefined ? {} : { image }),
        ...(frontend === undefined ? {} : { frontend }),
        ...(publish === undefined ? {} : { publish }),
        ...(restoreIndex === undefined ? {} : { restoreIndex }),
    };
}
/** Reads `mode`: a list of parts, `all` for image and frontend, or restore-index alone. */
function readParts(reader) {
    const allowed = ['all', ...PARTS].join(', ');
    const items = reader.list('mode', {
        required: true,
        itemPattern: /^(?:all|image|frontend|publish|restore-index)$/,
        itemHint: `Use one or more of: ${allowed}.`,
    });
    if (items.includes('restore-index') && new Set(items).size > 1) {
        reader.fail('mode', items.join(', '), 'restore-index runs alone, in the rollback of a failed release; use mode: restore-index in a step of its own.');
    }
    if (!items.includes('all'))
        return PARTS.filter((p) => items.includes(p));
    if (items.length > 1) {
        reader.fail('mode', items.join(', '), 'all already means image and frontend; use all alone, or list the parts you want.');
    }
    return [...ALL_PARTS];
}
function readCommitSha(reader) {
    const value = reader.string('commit-sha', { required: true });
    if (!COMMIT_SHA.test(value)) {
        reader.fail('commit-sha', value, `Use a full commit SHA of 40 (or 64) lowercase hexadecimal digits, such as the default github.sha.${expressionHint(value)}`);
    }
    return value;
}
function noteGiven(scope, name, errorValue) {
    if (errorValue !== undefined && errorValue !== '')
        scope.setInputs.set(name, errorValue);
}
function readImageSettings(scope) {
    const { reader } = scope;
    const repository = reader.string('ecr-repository', {
        pattern: ECR_REPOSITORY,
        patternHint: "Use an ECR repository name of 2 to 256 lowercase letters, digits and the separators '.', '_', '-' and '/'.",
    });
    const registry = readRegistry(reader);
    const contextText = reader.string('context', { required: true });
    const dockerfileText = reader.string('dockerfile', { required: true });
    const buildArgs = readKeyValueLines(reader, 'build-args', {
        hideValues: true,
        keyPattern: BUILD_ARG_NAME,
        keyHint: "Each name must start with a letter or '_' and hold only letters, digits and '_'.",
    });
    const target = reader.string('target', {
        pattern: BUILD_TARGET,
        patternHint: "Use the name of a build stage (letters, digits, '_', '.' and '-').",
    });
    const labels = readKeyValueLines(reader, 'labels', {
        keyPattern: LABEL_KEY,
        keyHint: "Each label name must start with a letter or digit and hold only letters, digits, '.', '_', '-' and '/'.",
    });
    const platform = reader.enumValue('platform', PLATFORMS, { required: true });
    const { primary, extra } = readTags(reader);
    const healthCheckPath = reader.string('health-check-path', {
        pattern: URL_PATH,
        patternHint: 'Use an absolute URL path such as /healthz, without spaces, of at most 1024 characters.',
    });
    const severityThreshold = reader.enumValue('severity-threshold', SEVERITY_THRESHOLDS, { required: true });
    const scanTimeoutMs = reader.duration('scan-timeout', { required: true });
    noteGiven(scope, 'ecr-repository', repository);
    noteGiven(scope, 'ecr-registry', registry);
    noteGiven(scope, 'build-args', buildArgs.map(([name]) => name).join(', '));
    noteGiven(scope, 'target', target);
    noteGiven(scope, 'labels', labels.map(([name]) => name).join(', '));
    noteGiven(scope, 'extra-tags', extra.join(', '));
    if (!scope.parts.includes('image'))
        return undefined;
    if (repository === undefined) {
        return reader.fail('ecr-repository', '', 'mode includes image, so set ecr-repository to the ECR repository name, or remove image from mode.');
    }
    checkNotLonger(reader, { name: 'scan-timeout', ms: scanTimeoutMs }, { name: 'timeout', ms: scope.timeoutMs });
    const contextDir = resolveWorkspacePath(reader, 'context', contextText, {
        workspace: scope.workspace,
        mustExist: 'directory',
    });
    const dockerfile = resolveWorkspacePath(reader, 'dockerfile', dockerfileText, { workspace: scope.workspace, base: contextDir, mustExist: 'file' });
    return {
        repository,
        ...(registry === undefined ? {} : { registry }),
        contextDir,
        dockerfile,
        buildArgs,
        ...(target === undefined ? {} : { target }),
        labels,
        platform,
        tags: [...new Set([primary, ...extra])],
        ...(healthCheckPath === undefined ? {} : { healthCheckPath }),
        severityThreshold,
        scanTimeoutMs,
    };
}
function readRegistry(reader) {
    const value = reader.string('ecr-registry');
    if (value === undefined)
        return undefined;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('/')) {
        reader.fail('ecr-registry', value, 'Give the registry host (and port) only, without a scheme such as https:// and without a path.');
    }
    if (!REGISTRY_HOST.test(value)) {
        reader.fail('ecr-registry', value, 'Use a registry host name with an optional port, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com or 127.0.0.1:5000.');
    }
    return value;
}
/** Reads `image-tag` and `extra-tags`. */
function readTags(reader) {
    const primary = reader.string('image-tag', { required: true });
    if (!IMAGE_TAG.test(primary)) {
        reader.fail('image-tag', primary, `${IMAGE_TAG_HINT}${expressionHint(primary)}`);
    }
    const extra = reader.list('extra-tags', {
        itemPattern: IMAGE_TAG,
        itemHint: IMAGE_TAG_HINT,
    });
    return { primary, extra };
}
function readFrontendSettings(scope) {
    const { reader, parts } = scope;
    const dirText = reader.string('frontend-dir');
    const includeSourceMaps = reader.boolean('include-source-maps', {
        required: true,
    });
    noteGiven(scope, 'frontend-dir', dirText);
    const users = parts.filter((part) => part === 'frontend' || part === 'publish');
    if (users.length === 0)
        return undefined;
    if (dirText === undefined) {
        return reader.fail('frontend-dir', '', `mode includes ${users.join(' and ')}, so set frontend-dir to the frontend build folder, such as dist or build.`);
    }
    const dir = resolveWorkspacePath(reader, 'frontend-dir', dirText, {
        workspace: scope.workspace,
        mustExist: 'directory',
    });
    return { dir, includeSourceMaps };
}
function readPublishSettings(scope) {
    const { reader } = scope;
    const bucket = readBucket(reader, 'frontend-bucket', { required: false });
    const prefixText = reader.string('frontend-prefix');
    const contentTypes = readGlobMap(reader, 'content-types', {
        pattern: MEDIA_TYPE,
        hint: 'Use a media type such as text/html; charset=utf-8.',
    });
    const cacheControl = readGlobMap(reader, 'cache-control', {
        pattern: inputs_CACHE_CONTROL,
        hint: 'Use Cache-Control directives such as public, max-age=31536000, immutable.',
    });
    const deleteStale = reader.boolean('delete-stale', { required: true });
    const maxDeletePercent = reader.integer('max-delete-percent', {
        required: true,
        min: 0,
        max: 100,
    });
    const uploadConcurrency = reader.integer('upload-concurrency', {
        required: true,
        min: 1,
        max: 64,
    });
    const distributionId = reader.string('cloudfront-distribution-id', {
        pattern: DISTRIBUTION_ID,
        patternHint: 'Use a CloudFront distribution id: uppercase letters and digits, such as E2QWRUHAPOMQZL.',
    });
    const maxPaths = reader.integer('invalidation-max-paths', {
        required: true,
        min: 1,
        max: 3000,
    });
    const wait = reader.boolean('wait-for-invalidation', { required: true });
    const invalidationTimeoutMs = reader.duration('invalidation-timeout', {
        required: true,
    });
    noteGiven(scope, 'frontend-bucket', bucket);
    noteGiven(scope, 'frontend-prefix', prefixText);
    noteGiven(scope, 'content-types', contentTypes.map(([g]) => g).join(', '));
    noteGiven(scope, 'cache-control', cacheControl.map(([g]) => g).join(', '));
    noteGiven(scope, 'cloudfront-distribution-id', distributionId);
    if (wait && distributionId === undefined) {
        reader.fail('wait-for-invalidation', 'true', 'There is no invalidation to wait for without cloudfront-distribution-id. Set cloudfront-distribution-id, or set wait-for-invalidation to false.');
    }
    const prefix = normalizePrefix(reader, prefixText);
    if (!scope.parts.includes('publish'))
        return undefined;
    if (bucket === undefined) {
        return reader.fail('frontend-bucket', '', 'mode includes publish, so set frontend-bucket to the bucket that serves the frontend.');
    }
    if (distributionId !== undefined && wait) {
        checkNotLonger(reader, { name: 'invalidation-timeout', ms: invalidationTimeoutMs }, { name: 'timeout', ms: scope.timeoutMs });
    }
    const cloudFront = distributionId === undefined
        ? undefined
        : { distributionId, maxPaths, wait, timeoutMs: invalidationTimeoutMs };
    return {
        bucket,
        prefix,
        contentTypes,
        cacheControl,
        deleteStale,
        maxDeletePercent,
        uploadConcurrency,
        ...(cloudFront === undefined ? {} : { cloudFront }),
    };
}
const PREVIOUS_INDEX_FIELDS = ['bucket', 'key', 'version_id', 'copy_key'];
const PREVIOUS_INDEX_HINT = 'Pass the previous-index-json output of the publish step: a JSON object with bucket, key and either version_id or copy_key, or an empty value when publish replaced no index.html.';
function readRestoreIndexSettings(scope) {
    const { reader } = scope;
    const text = reader.string('previous-index-json');
    noteGiven(scope, 'previous-index-json', text);
    if (!scope.parts.includes('restore-index'))
        return undefined;
    // Publish outputs an empty value when it replaced no index.html. `null`
    // and `{}` mean the same, like a record without previous_index.
    if (text === undefined || text === 'null' || text === '{}')
        return {};
    const previousIndex = reader.json('previous-index-json', (value, fail) => checkPreviousIndex(value, fail));
    return previousIndex === undefined ? {} : { previousIndex };
}
/** Validates the parsed `previous-index-json` object field by field. */
function checkPreviousIndex(value, fail) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return fail(`It is not a JSON object. ${PREVIOUS_INDEX_HINT}`);
    }
    const record = value;
    const unknown = Object.keys(record).filter((name) => !PREVIOUS_INDEX_FIELDS.includes(name));
    if (unknown.length > 0) {
        fail(`Unknown field ${unknown.join(', ')}; the fields are ${PREVIOUS_INDEX_FIELDS.join(', ')}. ${PREVIOUS_INDEX_HINT}`);
    }
    const text = (name) => {
        const field = record[name];
        if (field === undefined)
            return undefined;
        if (typeof field !== 'string' || field === '') {
            return fail(`Field ${name} must be a non-empty string. ${PREVIOUS_INDEX_HINT}`);
        }
        if (CONTROL_CHARACTERS.test(field) || Buffer.byteLength(field) > 1024) {
            return fail(`Field ${name} must be at most 1024 UTF-8 bytes long and contain no control characters, as S3 keys, bucket names and version ids do.`);
        }
        return field;
    };
    const bucket = text('bucket');
    const key = text('key');
    const versionId = text('version_id');
    const copyKey = text('copy_key');
    if (bucket === undefined || key === undefined) {
        return fail(`Field ${bucket === undefined ? 'bucket' : 'key'} is missing. ${PREVIOUS_INDEX_HINT}`);
    }
    if (!S3_BUCKET.test(bucket)) {
        return fail(`Field bucket '${bucket}' is not a valid bucket name. ${S3_BUCKET_HINT}`);
    }
    if ((versionId === undefined) === (copyKey === undefined)) {
        return fail(`${versionId === undefined ? 'Neither version_id nor copy_key is set' : 'Both version_id and copy_key are set'}; exactly one of them names the kept index.html. ${PREVIOUS_INDEX_HINT}`);
    }
    if (copyKey === key) {
        return fail('Field copy_key equals key, so the copy would replace the object with itself. Pass the copy key that publish recorded.');
    }
    return versionId === undefined
        ? { bucket, key, copy_key: copyKey }
        : { bucket, key, version_id: versionId };
}
/** Checks `frontend-prefix` and removes trailing slashes; '' when not set. */
function normalizePrefix(reader, value) {
    if (value === undefined)
        return '';
    const prefix = value.replace(/\/+$/, '');
    const segments = prefix.split('/');
    const bad = value.startsWith('/') ||
        CONTROL_CHARACTERS.test(value) ||
        segments.some((s) => s === '' || s === '.' || s === '..');
    if (bad) {
        reader.fail('frontend-prefix', value, "Use a key prefix such as app or releases/web, without a leading '/', without empty, '.' or '..' segments and without control characters.");
    }
    return prefix;
}
/** Reads `glob: value` lines (or a JSON object) whose values must match `check.pattern`. */
function readGlobMap(reader, name, check) {
    const entries = Object.entries(reader.map(name));
    for (const [glob, value] of entries) {
        if (glob.startsWith('/') || CONTROL_CHARACTERS.test(glob)) {
            reader.fail(name, `${glob}: ${value}`, "Patterns match paths relative to frontend-dir, such as *.js or assets/**; remove the leading '/'.");
        }
        if (!check.pattern.test(value)) {
            reader.fail(name, `${glob}: ${value}`, check.hint);
        }
    }
    return entries;
}
/**
 * Rejects an input without a default that was set while no selected part
 * uses it, because its value would be ignored without a word.
 */
function checkPartInputs(scope) {
    const { reader, parts } = scope;
    for (const [name, users] of PART_INPUTS) {
        const errorValue = scope.setInputs.get(name);
        if (errorValue === undefined)
            continue;
        if (users.some((part) => parts.includes(part)))
            continue;
        reader.fail(name, errorValue, `Only the ${users.join(' and ')} part uses it, and mode selects ${parts.join(', ')}. Add ${users.join(' or ')} to mode, or remove ${name}.`);
    }
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/records.ts



/** Path of the artifact records file: the record file's name with `.artifacts.json`. */
function artifactsFileFor(recordFile) {
    return recordFile.replace(/(\.json)?$/, '.artifacts.json');
}
/** Path of the checksum list: the record file's name with `.sha256sums.txt`. */
function checksumsFileFor(recordFile) {
    return recordFile.replace(/(\.json)?$/, '.sha256sums.txt');
}
/** Writes the fragment, the artifact records and the checksum list as files. */
async function writeRecordFiles(recordFile, fragment, checksumList) {
    await (0,promises_.mkdir)(external_node_path_default().dirname(recordFile), { recursive: true });
    await (0,promises_.writeFile)(recordFile, `${JSON.stringify(fragment, null, 2)}\n`);
    const artifactsFile = artifactsFileFor(recordFile);
    const artifacts = fragment.artifacts ?? [];
    await (0,promises_.writeFile)(artifactsFile, `${JSON.stringify(artifacts, null, 2)}\n`);
    const files = { recordFile, artifactsFile };
    if (checksumList !== undefined) {
        files.checksumsFile = checksumsFileFor(recordFile);
        await (0,promises_.writeFile)(files.checksumsFile, checksumList);
    }
    return files;
}
/** Runner variables that @actions/artifact needs to reach the artifact service. */
const ARTIFACT_RUNTIME_VARIABLES = [
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_RESULTS_URL',
];
/**
 * Uploads the record files as a workflow artifact kept `retentionDays`
 * days, when the runner provides artifact storage. Outside a GitHub runner
 * (no ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL) it uploads nothing and
 * returns the reason. A failed upload is returned, not thrown, because the
 * records are also in the step outputs and the record file.
 */
async function uploadRecords(opts) {
    const missing = ARTIFACT_RUNTIME_VARIABLES.filter((name) => !opts.env[name]);
    if (missing.length > 0) {
        const reason = `the runner provides no artifact storage (${missing.join(' and ')} not set), so the records were not uploaded as a workflow artifact; they are in the step outputs and ${external_node_path_default().basename(opts.files.recordFile)}`;
        opts.logger.info(`Records: ${reason}`);
        return { status: 'unavailable', reason };
    }
    const paths = [
        opts.files.recordFile,
        opts.files.artifactsFile,
        ...(opts.files.checksumsFile ? [opts.files.checksumsFile] : []),
    ];
    try {
        const client = await (opts.client ?? defaultArtifactClient)();
        const result = await client.uploadArtifact(opts.name, paths, external_node_path_default().dirname(opts.files.recordFile), { retentionDays: opts.retentionDays });
        opts.logger.info(`Uploaded the records as workflow artifact ${opts.name} (id ${result.id ?? 'unknown'}, kept ${opts.retentionDays} days)`);
        return {
            status: 'uploaded',
            name: opts.name,
            ...(result.id === undefined ? {} : { id: result.id }),
            retentionDays: opts.retentionDays,
        };
    }
    catch (error) {
        const reason = (0,errors/* errorMessage */.gJ)(error);
        opts.logger.warning(`Uploading the records as workflow artifact ${opts.name} failed: ${reason}`);
        return { status: 'failed', name: opts.name, reason };
    }
}
async function defaultArtifactClient() {
    const artifact = await __nccwpck_require__.e(/* import() */ 609).then(__nccwpck_require__.bind(__nccwpck_require__, 93609));
    return new artifact.DefaultArtifactClient();
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/report.ts
/**
 * What the step found and did, filled in by the parts as they run and
 * turned into the record fragment, the outputs and the job summary at the
 * end, also when a part fails.
 */
class StepReport {
    startedAt;
    artifacts = [];
    details = {};
    /** Rows of the job summary's overview table: part, result. */
    rows = [];
    /** Markdown sections added after the overview. */
    sections = [];
    checksumList;
    /** Set when the step had nothing to do; the record then shows status `skipped`. */
    skippedReason;
    constructor(startedAt) {
        this.startedAt = startedAt;
    }
    /** Adds or replaces the frontend record (frontend and publish describe the same files). */
    setFrontendRecord(record) {
        const index = this.artifacts.findIndex((a) => a.type === 'frontend_files');
        if (index === -1)
            this.artifacts.push(record);
        else
            this.artifacts[index] = record;
    }
    frontendRecord() {
        return this.artifacts.find((a) => a.type === 'frontend_files');
    }
    fragment(opts) {
        return {
            schema_version: 1,
            action: 'build-artifacts',
            stage: opts.stage,
            status: opts.status,
            started_at: new Date(this.startedAt).toISOString(),
            completed_at: new Date(opts.completedAt).toISOString(),
            duration_seconds: (opts.completedAt - this.startedAt) / 1000,
            ...(opts.reason === undefined ? {} : { reason: opts.reason }),
            artifacts: this.artifacts,
            details: this.details,
        };
    }
}

;// CONCATENATED MODULE: ./common/inputs-only.ts



/**
 * Runs an InputsOnlyStep: sets the `record-json` output (also when the
 * inputs are invalid), writes the record file for valid inputs, logs the
 * settings, adds them to the job summary, and throws the reason.
 */
async function runInputsOnly(ctx, step) {
    const startedAt = ctx.clock.now();
    let inputs;
    try {
        inputs = step.read(ctx.inputs);
    }
    catch (error) {
        const reason = errorMessage(error);
        const fragment = failedFragment(step.action, step.defaultStage, {
            startedAt,
            completedAt: ctx.clock.now(),
            reason,
            details: { inputs_valid: false },
        });
        ctx.outputs.set('record-json', fragment);
        throw error;
    }
    const { mode, stage } = step.describe(inputs);
    const rows = step.settings(inputs);
    await ctx.logger.group('Settings', async () => {
        for (const [name, value] of rows)
            ctx.logger.info(`${name}: ${value}`);
    });
    const reason = `${step.action} ${mode}: inputs are valid; this version of the kit does not perform the operation yet`;
    ctx.summary
        .heading(`${step.action} (${mode})`)
        .paragraph('The inputs are valid. This version of the kit validates inputs only, so nothing was built, changed or deployed.')
        .table(['Setting', 'Value'], rows);
    const fragment = failedFragment(step.action, stage, {
        startedAt,
        completedAt: ctx.clock.now(),
        reason,
        details: { mode, inputs_valid: true },
    });
    ctx.outputs.set('record-json', fragment);
    await writeRecordFile(step.recordFile(inputs), fragment, ctx);
    throw new Error(reason);
}
function failedFragment(action, stage, facts) {
    return {
        schema_version: 1,
        action,
        stage,
        status: 'failed',
        started_at: new Date(facts.startedAt).toISOString(),
        completed_at: new Date(facts.completedAt).toISOString(),
        duration_seconds: (facts.completedAt - facts.startedAt) / 1000,
        reason: facts.reason,
        details: facts.details,
    };
}
/** Writes the fragment as JSON; a failed write is logged, because the step fails anyway. */
async function writeRecordFile(file, fragment, ctx) {
    try {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, `${JSON.stringify(fragment, null, 2)}\n`);
        ctx.logger.info(`Wrote the record fragment to ${file}`);
    }
    catch (error) {
        ctx.logger.error(`Writing the record fragment to ${file} failed: ${errorMessage(error)}`);
    }
}
/** Formats an optional epoch-ms instant for a settings row. */
function showInstant(epochMs) {
    return epochMs === undefined ? '(none)' : new Date(epochMs).toISOString();
}
/** Lists the names of `NAME=value` pairs for a settings row, leaving the values out. */
function showNames(entries) {
    return entries.length === 0 ? '(none)' : entries.map(([k]) => k).join(', ');
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/settings.ts



/**
 * Lists the parsed settings by input name for the log and the job summary.
 * Build argument values are left out because they may hold credentials;
 * only their names are shown.
 */
function describeSettings(inputs, workspace) {
    const relative = (file) => external_node_path_default().relative(workspace, file) || '.';
    const rows = [
        ['mode', inputs.parts.join(', ')],
        ['aws-region', inputs.awsRegion],
        ['run-id', inputs.runId],
        ['commit-sha', inputs.commitSha],
        ['timeout', (0,duration/* formatDuration */.a)(inputs.timeoutMs)],
        ['attempt-timeout', (0,duration/* formatDuration */.a)(inputs.attemptTimeoutMs)],
        ['deadline-at', showInstant(inputs.deadlineAt)],
        ['record-file', relative(inputs.recordFile)],
        ['retention-days', String(inputs.retentionDays)],
    ];
    const { image, frontend, publish, restoreIndex } = inputs;
    if (image !== undefined) {
        rows.push(['ecr-repository', image.repository], ['ecr-registry', image.registry ?? '(from ECR_REGISTRY or ECR)'], ['context', relative(image.contextDir)], ['dockerfile', relative(image.dockerfile)], ['build-args', showNames(image.buildArgs)], ['target', image.target ?? '(last stage)'], [
            'labels',
            image.labels.map(([k, v]) => `${k}=${v}`).join(', ') || '(none)',
        ], ['platform', image.platform], ['image-tag', image.tags[0] ?? ''], ['extra-tags', image.tags.slice(1).join(', ') || '(none)'], ['health-check-path', image.healthCheckPath ?? '(image HEALTHCHECK)'], ['severity-threshold', image.severityThreshold], ['scan-timeout', (0,duration/* formatDuration */.a)(image.scanTimeoutMs)]);
    }
    if (frontend !== undefined) {
        rows.push(['frontend-dir', relative(frontend.dir)], ['include-source-maps', String(frontend.includeSourceMaps)]);
    }
    if (publish !== undefined) {
        const cloudFront = publish.cloudFront;
        rows.push(['frontend-bucket', publish.bucket], ['frontend-prefix', publish.prefix || '(bucket root)'], ['content-types', pairs(publish.contentTypes)], ['cache-control', pairs(publish.cacheControl)], ['delete-stale', String(publish.deleteStale)], ['max-delete-percent', String(publish.maxDeletePercent)], ['upload-concurrency', String(publish.uploadConcurrency)], ['cloudfront-distribution-id', cloudFront?.distributionId ?? '(none)']);
        if (cloudFront !== undefined) {
            rows.push(['invalidation-max-paths', String(cloudFront.maxPaths)], ['wait-for-invalidation', String(cloudFront.wait)], ['invalidation-timeout', (0,duration/* formatDuration */.a)(cloudFront.timeoutMs)]);
        }
    }
    if (restoreIndex !== undefined) {
        const previous = restoreIndex.previousIndex;
        rows.push([
            'previous-index-json',
            previous === undefined
                ? '(no previous index.html)'
                : previous.version_id === undefined
                    ? `s3://${previous.bucket}/${previous.key} from copy ${previous.copy_key}`
                    : `s3://${previous.bucket}/${previous.key} version ${previous.version_id}`,
        ]);
    }
    return rows;
}
function pairs(entries) {
    if (entries.length === 0)
        return '(built-in)';
    return entries.map(([k, v]) => `${k}: ${v}`).join('; ');
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/main.ts













/** Entry of the main step. */
async function run() {
    await runAction(main);
}
/** Stage named in the record: publish belongs to the deploy stage, restore-index to the rollback. */
function stageOf(inputs) {
    return stageOfParts(inputs?.parts ?? []);
}
function stageOfParts(parts) {
    if (parts.includes('restore-index'))
        return 'rollback';
    return parts.includes('publish') ? 'publish' : 'build';
}
/** Stage of a step whose inputs failed their checks, from the words of its mode input. */
function stageOfModeText(ctx) {
    let text = '';
    try {
        text = ctx.inputs.string('mode') ?? '';
    }
    catch {
        // An unreadable mode leaves the build stage.
    }
    return stageOfParts(text
        .trim()
        .toLowerCase()
        .split(/[\s,]+/));
}
/** Name of the workflow artifact that contains this step's records. */
function recordsArtifactName(inputs) {
    return `build-artifacts-${inputs.parts.join('-')}-records-${inputs.runId}`;
}
/**
 * Reads the inputs, runs the selected parts in the order image, frontend,
 * publish, and always writes the record fragment (output and files), the
 * artifact records and the job summary, also when a part fails.
 */
async function main(ctx) {
    const report = new StepReport(ctx.clock.now());
    const workspace = workspaceRoot(ctx.env);
    let inputs;
    try {
        inputs = readInputs(ctx.inputs, workspace);
    }
    catch (error) {
        report.details.inputs_valid = false;
        ctx.outputs.set('record-json', report.fragment({
            stage: stageOfModeText(ctx),
            status: 'failed',
            completedAt: ctx.clock.now(),
            reason: (0,errors/* errorMessage */.gJ)(error),
        }));
        throw error;
    }
    await ctx.logger.group('Settings', async () => {
        for (const [name, value] of describeSettings(inputs, workspace)) {
            ctx.logger.info(`${name}: ${value}`);
        }
    });
    report.details.mode = inputs.parts.join(', ');
    const deadline = common_deadline/* Deadline */.B2.start({
        stage: 'build-artifacts',
        timeoutMs: inputs.timeoutMs,
        deadlineAt: inputs.deadlineAt,
        clock: ctx.clock,
    });
    let failure;
    try {
        await runParts(ctx, inputs, report, deadline);
    }
    catch (error) {
        failure = error;
    }
    await finish(ctx, inputs, report, failure);
    if (failure !== undefined)
        throw failure;
}
async function runParts(ctx, inputs, report, deadline) {
    if (inputs.image !== undefined) {
        // Loaded on demand: a publish-only run then never loads the ECR client.
        const { runImage } = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(249), __nccwpck_require__.e(584)]).then(__nccwpck_require__.bind(__nccwpck_require__, 10584));
        await ctx.logger.group('Backend image', () => runImage(ctx, inputs, report, deadline));
    }
    if (inputs.restoreIndex !== undefined) {
        // Loaded on demand, like the image part, because only a rollback needs it.
        const { runRestoreIndex } = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(711), __nccwpck_require__.e(501)]).then(__nccwpck_require__.bind(__nccwpck_require__, 16501));
        await ctx.logger.group('Restore the previous index.html', () => runRestoreIndex(ctx, inputs, report, deadline));
        return;
    }
    if (inputs.frontend === undefined)
        return;
    const frontend = inputs.frontend;
    const files = await loadBuild(frontend, workspace(ctx));
    if (inputs.publish !== undefined) {
        checkKeyLengths(inputs.publish.prefix, files);
    }
    let scanned = false;
    if (inputs.parts.includes('frontend')) {
        await ctx.logger.group('Frontend check, scan and checksums', () => runFrontend(ctx, inputs, files, report, recordsArtifactName(inputs)));
        scanned = true;
    }
    if (inputs.parts.includes('publish')) {
        deadline.check('before publishing the frontend');
        try {
            await ctx.logger.group('Publish the frontend', () => runPublish(ctx, inputs, files, report, deadline, scanned));
        }
        catch (error) {
            throw explainMissingBucket(error, inputs.publish?.bucket ?? '');
        }
    }
}
/**
 * Names frontend-bucket in the error of a request to a bucket that does not
 * exist (S3 error code NoSuchBucket); returns other errors unchanged.
 */
function explainMissingBucket(error, bucket) {
    if (!(error instanceof Error) || error.name !== 'NoSuchBucket')
        return error;
    return new Error(`frontend-bucket: the bucket ${bucket} does not exist (${error.message}). Create the bucket, or fix frontend-bucket.`, { cause: error });
}
/** S3's limit on the length of an object key, in bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;
/**
 * Rejects a publish whose longest object key (prefix, '/', file path) is
 * longer than S3 allows, before the first request.
 */
function checkKeyLengths(prefix, files) {
    let longest = '';
    for (const file of files) {
        const key = objectKey(prefix, file.relativePath);
        if (Buffer.byteLength(key) > Buffer.byteLength(longest))
            longest = key;
    }
    const bytes = Buffer.byteLength(longest);
    if (bytes <= MAX_KEY_BYTES)
        return;
    throw new errors/* InputError */.dz('frontend-prefix', prefix, `The object key of ${longest.slice(prefix.length + 1)} would be ${bytes} bytes, and S3 allows at most ${MAX_KEY_BYTES} bytes (UTF-8). Shorten frontend-prefix or the file's path.`);
}
function workspace(ctx) {
    return workspaceRoot(ctx.env);
}
/** Writes the fragment, outputs, record files, the records upload and the summary. */
async function finish(ctx, inputs, report, failure) {
    const cancelled = ctx.cancellation.cancelledBy !== undefined;
    const status = cancelled
        ? 'cancelled'
        : failure !== undefined
            ? 'failed'
            : report.skippedReason !== undefined
                ? 'skipped'
                : 'succeeded';
    const stage = stageOf(inputs);
    const completedAt = ctx.clock.now();
    const fragment = report.fragment({
        stage,
        status,
        completedAt,
        ...(failure === undefined ? {} : { reason: (0,errors/* errorMessage */.gJ)(failure) }),
    });
    ctx.outputs.set('artifacts-json', report.artifacts);
    ctx.outputs.set('record-json', fragment);
    let uploadLine;
    try {
        const files = await writeRecordFiles(inputs.recordFile, fragment, report.checksumList);
        ctx.logger.info(`Wrote the record fragment to ${files.recordFile} and the artifact records to ${files.artifactsFile}`);
        const upload = await uploadRecords({
            files,
            name: recordsArtifactName(inputs),
            retentionDays: inputs.retentionDays,
            env: ctx.env,
            logger: ctx.logger,
        });
        uploadLine =
            upload.status === 'uploaded'
                ? `Records uploaded as workflow artifact ${upload.name}, kept ${upload.retentionDays} days.`
                : upload.status === 'unavailable'
                    ? `Records not uploaded: ${upload.reason}.`
                    : `Uploading the records as workflow artifact ${upload.name} failed: ${upload.reason}.`;
    }
    catch (error) {
        ctx.logger.error(`Writing the record files next to ${inputs.recordFile} failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
        uploadLine = `Writing the record files failed: ${(0,errors/* errorMessage */.gJ)(error)}.`;
    }
    renderSummary(ctx, inputs, report, {
        status,
        durationMs: completedAt - report.startedAt,
        uploadLine,
        workspace: workspace(ctx),
    });
}
function renderSummary(ctx, inputs, report, facts) {
    const summary = ctx.summary;
    summary
        .heading(`build-artifacts (${inputs.parts.join(', ')})`)
        .paragraph(escapeMarkdown(`Status: ${facts.status}, in ${(0,duration/* formatDuration */.a)(Math.round(facts.durationMs / 1000) * 1000 || facts.durationMs)}. Record file: ${external_node_path_default().relative(facts.workspace, inputs.recordFile)}.`));
    if (report.rows.length > 0)
        summary.table(['Part', 'Result'], report.rows);
    if (report.artifacts.length > 0) {
        summary.table(['Artifact', 'Version', 'Size (bytes)', 'SHA-256', 'Location', 'Scan'], report.artifacts.map((artifact) => [
            `${artifact.type} ${artifact.name}`,
            artifact.version,
            artifact.size_bytes,
            artifact.sha256,
            artifact.location.kind === 'ecr'
                ? artifact.location.image_uri
                : artifact.location.kind === 's3'
                    ? `s3://${artifact.location.bucket}/${artifact.location.prefix}`
                    : `workflow artifact ${artifact.location.name}`,
            `${artifact.scan.status} (threshold ${artifact.scan.threshold})`,
        ]));
    }
    for (const section of report.sections) {
        summary.details(section.title, section.lines.map((line) => `- ${escapeMarkdown(line)}`).join('\n'));
    }
    if (facts.uploadLine)
        summary.paragraph(escapeMarkdown(facts.uploadLine));
}


/***/ }),

/***/ 14193:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  jf: () => (/* binding */ Semaphore),
  Js: () => (/* binding */ sendS3),
  lx: () => (/* binding */ sendWithRetry)
});

// EXTERNAL MODULE: ./common/clock.ts
var common_clock = __nccwpck_require__(74376);
// EXTERNAL MODULE: ./common/deadline.ts
var common_deadline = __nccwpck_require__(85096);
// EXTERNAL MODULE: ./common/errors.ts
var errors = __nccwpck_require__(52251);
;// CONCATENATED MODULE: ./common/retry.ts



const DEFAULT_BASE_DELAY_MS = 200;
const DEFAULT_MAX_DELAY_MS = 10_000;
/**
 * Returns the full-jitter delay before retry number `retry` (1 for the
 * first retry): a random value in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))].
 */
function backoffDelay(retry, baseDelayMs, maxDelayMs, random = Math.random) {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
    return Math.round(random() * ceiling);
}
/**
 * Calls `fn` until it resolves, retrying the errors that `isRetryable`
 * accepts with full-jitter exponential backoff. Logs one line per failed
 * attempt and a final "giving up" line. Throws:
 * - the last error when the attempts run out,
 * - an error that is not retryable at once,
 * - a DeadlineError, with the last error as cause, when the next delay
 *   would pass the deadline,
 * - a CancelledError when `signal` aborts.
 */
async function retry(fn, opts) {
    checkOptions(opts);
    const isRetryable = opts.isRetryable ?? isTransientAwsError;
    const sleep = opts.sleep ?? common_clock/* realSleep */.uk;
    const random = opts.random ?? Math.random;
    const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    const { label, maxAttempts, logger, deadline, signal } = opts;
    const clock = opts.clock ?? common_clock/* systemClock */.ml;
    const startedAt = clock.now();
    for (let attempt = 1;; attempt += 1) {
        (0,common_clock/* throwIfAborted */.Te)(signal);
        let error;
        try {
            return await fn(attempt);
        }
        catch (caught) {
            error = caught;
        }
        (0,common_clock/* throwIfAborted */.Te)(signal);
        const cause = (0,errors/* errorMessage */.gJ)(error);
        if (!isRetryable(error)) {
            logger?.debug(`${label} failed with an error that is not retried: ${cause}`);
            throw error;
        }
        const took = ` after ${(0,common_deadline/* formatSeconds */.Xo)(clock.now() - startedAt)}`;
        if (attempt >= maxAttempts) {
            logger?.info(`${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; giving up${took}, no attempts left`);
            throw error;
        }
        const delay = backoffDelay(attempt, base, max, random);
        if (deadline !== undefined && delay >= deadline.remainingMs()) {
            const message = `${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; ` +
                `giving up${took} because a retry in ${delay} ms would pass the deadline of ` +
                `${deadline.stage} (${deadline.describeLimit()})`;
            logger?.info(message);
            throw new errors/* DeadlineError */.j3(message, {
                stage: deadline.stage,
                remainingMs: deadline.remainingMs(),
                cause: error,
            });
        }
        logger?.info(`${label} failed (attempt ${attempt} of ${maxAttempts}): ${cause}; retrying in ${delay} ms`);
        await sleep(delay, signal);
    }
}
function checkOptions(opts) {
    if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1) {
        throw new RangeError(`retry '${opts.label}': maxAttempts must be an integer >= 1, got ${opts.maxAttempts}`);
    }
    for (const name of ['baseDelayMs', 'maxDelayMs']) {
        const value = opts[name];
        if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
            throw new RangeError(`retry '${opts.label}': ${name} must be a finite number >= 0, got ${value}`);
        }
    }
}
/** AWS error names and codes that mean "slow down and try again". */
const THROTTLING_CODES = new Set([
    'Throttling',
    'ThrottlingException',
    'ThrottledException',
    'RequestThrottled',
    'RequestThrottledException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'SlowDown',
    'ProvisionedThroughputExceeded',
    'ProvisionedThroughputExceededException',
    'TransactionInProgressException',
    'PriorRequestNotComplete',
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
]);
/** AWS error names and codes for a request that timed out or a service that was briefly unavailable. */
const TRANSIENT_SERVICE_CODES = new Set([
    'RequestTimeout',
    'RequestTimeoutException',
    'InternalError',
    'InternalFailure',
    'ServiceUnavailable',
    'TimeoutError',
]);
/** Node.js network error codes after which the same request may succeed. */
const NETWORK_ERROR_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENETDOWN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
]);
/** How many `cause` links isTransientAwsError follows. */
const MAX_CAUSE_DEPTH = 5;
/**
 * Decides whether an AWS SDK (or network) error is transient: throttling
 * codes, HTTP 429 and 5xx (from `$metadata.httpStatusCode` or
 * `$response.statusCode`), SDK errors marked `$retryable`, and network
 * errors such as ECONNRESET or "socket hang up". Follows `cause` links.
 */
function isTransientAwsError(error) {
    let current = error;
    for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth += 1) {
        if (typeof current !== 'object' || current === null)
            return false;
        if (isTransientRecord(current))
            return true;
        current = current.cause;
    }
    return false;
}
function isTransientRecord(record) {
    const codes = [record.name, record.code, record.Code, record.errno].filter((value) => typeof value === 'string');
    if (codes.some((code) => THROTTLING_CODES.has(code)))
        return true;
    if (codes.some((code) => TRANSIENT_SERVICE_CODES.has(code)))
        return true;
    if (codes.some((code) => NETWORK_ERROR_CODES.has(code)))
        return true;
    const status = httpStatus(record);
    if (status !== undefined && (status === 429 || status >= 500))
        return true;
    if (typeof record.$retryable === 'object' && record.$retryable !== null) {
        return true;
    }
    const message = record.message;
    return typeof message === 'string' && /socket hang up/i.test(message);
}
function httpStatus(record) {
    const metadata = record.$metadata;
    if (typeof metadata?.httpStatusCode === 'number') {
        return metadata.httpStatusCode;
    }
    const response = record.$response;
    if (typeof response?.statusCode === 'number')
        return response.statusCode;
    return undefined;
}

;// CONCATENATED MODULE: ./actions/build-artifacts/src/s3-requests.ts


/** Whether an error is the timeout of one attempt (not a cancellation). */
function isAttemptTimeout(error) {
    const name = error?.name;
    return name === 'TimeoutError';
}
/**
 * Sends one S3 command with a per-attempt timeout. The SDK client retries
 * throttling and transient errors within an attempt (standard retry mode).
 * An attempt that passes its timeout, or fails with a transient error after
 * the SDK gave up, is tried again here with backoff.
 */
async function sendS3(s3, label, 
// The SDK's send() overloads do not accept a union of commands, so the
// command travels as a function.
call, limits) {
    return sendWithRetry(label, (abortSignal) => call(s3, abortSignal), limits);
}
/**
 * Runs one request with a per-attempt timeout and retries the attempts that
 * time out or fail with a transient error (throttling, HTTP 429 and 5xx,
 * connection resets) with the kit's full-jitter backoff, each retry logged.
 */
async function sendWithRetry(label, call, limits) {
    return retry(async () => {
        // One controller per attempt, aborted by the attempt timeout or the
        // caller's signal. It costs less than AbortSignal.timeout and .any per
        // request, and it leaves the caller's signal when the attempt ends.
        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, limits.attemptTimeoutMs);
        const leave = limits.signal === undefined
            ? undefined
            : followAbort(limits.signal, controller);
        try {
            return await call(controller.signal);
        }
        catch (error) {
            if (timedOut) {
                const wrapped = new Error(`${label} timed out after ${limits.attemptTimeoutMs} ms (attempt-timeout)`, { cause: error });
                wrapped.name = 'TimeoutError';
                throw wrapped;
            }
            throw error;
        }
        finally {
            clearTimeout(timer);
            leave?.();
        }
    }, {
        label,
        maxAttempts: limits.maxAttempts,
        isRetryable: (error) => isAttemptTimeout(error) || isTransientAwsError(error),
        logger: limits.logger,
        signal: limits.signal,
        sleep: sleepFollowing,
    });
}
const followersBySignal = new WeakMap();
/**
 * Aborts `controller` when `signal` aborts; returns the function that stops
 * this. The attempts in flight that share a signal share one listener on
 * it, because Node.js warns (MaxListenersExceededWarning) from the 11th
 * listener on one AbortSignal and publish runs 16 attempts at once by
 * default. The listener is removed when the last attempt leaves.
 */
function followAbort(signal, controller) {
    if (signal.aborted) {
        controller.abort(signal.reason);
        return () => undefined;
    }
    let followers = followersBySignal.get(signal);
    if (followers === undefined) {
        const controllers = new Set();
        const onAbort = () => {
            followersBySignal.delete(signal);
            for (const follower of controllers)
                follower.abort(signal.reason);
        };
        followers = { controllers, onAbort };
        followersBySignal.set(signal, followers);
        signal.addEventListener('abort', onAbort, { once: true });
    }
    followers.controllers.add(controller);
    const joined = followers;
    return () => {
        joined.controllers.delete(controller);
        if (joined.controllers.size === 0 &&
            followersBySignal.get(signal) === joined) {
            followersBySignal.delete(signal);
            signal.removeEventListener('abort', joined.onAbort);
        }
    };
}
/** Sleeps between attempts; shares the listener on `signal` as the attempts do. */
async function sleepFollowing(ms, signal) {
    if (signal === undefined)
        return (0,common_clock/* realSleep */.uk)(ms);
    const controller = new AbortController();
    const leave = followAbort(signal, controller);
    try {
        await (0,common_clock/* realSleep */.uk)(ms, controller.signal);
    }
    finally {
        leave();
    }
}
/** A counting semaphore that bounds the S3 requests in flight. */
class Semaphore {
    available;
    waiting = [];
    constructor(size) {
        this.available = size;
    }
    async use(fn) {
        if (this.available > 0) {
            this.available -= 1;
        }
        else {
            await new Promise((resolve) => this.waiting.push(resolve));
        }
        try {
            return await fn();
        }
        finally {
            const next = this.waiting.shift();
            if (next)
                next();
            else
                this.available += 1;
        }
    }
}


/***/ }),

/***/ 21077:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   HQ: () => (/* binding */ uriEncode),
/* harmony export */   P8: () => (/* binding */ EMPTY_PAYLOAD_SHA256),
/* harmony export */   bc: () => (/* binding */ authorizationHeader),
/* harmony export */   oC: () => (/* binding */ amzDateOf)
/* harmony export */ });
/* unused harmony exports SIGV4_ALGORITHM, canonicalQuery, canonicalRequest, signingKey */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/**
 * AWS Signature Version 4 request signing with node:crypto, following the
 * AWS documentation "Create a signed AWS API request" and the S3 page
 * "Authenticating Requests: Using the Authorization Header". Used by the
 * lean S3 requests of publish, so each small upload skips the SDK's
 * middleware pipeline.
 */

const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** SHA-256 of an empty payload, in hex. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Returns the ISO 8601 basic format of a time (YYYYMMDD'T'HHMMSS'Z') that X-Amz-Date uses. */
function amzDateOf(epochMs) {
    return new Date(epochMs).toISOString().replace(/[-:]|\.\d{3}/g, '');
}
/**
 * Encodes a string as SigV4 requires (RFC 3986 unreserved characters kept,
 * every other UTF-8 byte as %XX in upper case). With `keepSlash`, '/' stays
 * as it is, which is how S3 object keys appear in the canonical URI.
 */
function uriEncode(value, keepSlash = false) {
    const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
    return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}
/** Compares two ASCII strings by code unit, as Array.prototype.sort expects. */
function compareAscii(a, b) {
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return 0;
}
/** Builds the canonical query string: encoded names and values, sorted by name, then value. */
function canonicalQuery(query) {
    return query
        .map(([name, value]) => [uriEncode(name), uriEncode(value)])
        .sort(([nameA, valueA], [nameB, valueB]) => compareAscii(nameA, nameB) || compareAscii(valueA, valueB))
        .map(([name, value]) => `${name}=${value}`)
        .join('&');
}
/** Builds the canonical request and the signed header list. */
function canonicalRequest(request) {
    const headers = Object.entries(request.headers)
        .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')])
        .sort(([a], [b]) => compareAscii(a, b));
    const signedHeaders = headers.map(([name]) => name).join(';');
    const text = [
        request.method,
        request.path,
        canonicalQuery(request.query),
        headers.map(([name, value]) => `${name}:${value}\n`).join(''),
        signedHeaders,
        request.payloadHash,
    ].join('\n');
    return { text, signedHeaders };
}
/** Derived signing keys by date, region, service and secret, so each is derived once a day. */
const signingKeys = new Map();
/** Derives the signing key: HMAC chain over date, region, service and "aws4_request". */
function signingKey(secretAccessKey, date, region, service) {
    const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`;
    const cached = signingKeys.get(cacheKey);
    if (cached !== undefined)
        return cached;
    let key = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
    for (const part of [date, region, service, 'aws4_request']) {
        key = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', key).update(part, 'utf8').digest();
    }
    // A long run can cross midnight UTC, so old dates are dropped rather than kept forever.
    if (signingKeys.size > 16)
        signingKeys.clear();
    signingKeys.set(cacheKey, key);
    return key;
}
/**
 * Signs a request and returns its Authorization header value. The caller
 * sends exactly the headers it signed (X-Amz-Date and, with a session
 * token, X-Amz-Security-Token included).
 */
function authorizationHeader(request, scope) {
    const { text, signedHeaders } = canonicalRequest(request);
    const date = scope.amzDate.slice(0, 8);
    const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
    const stringToSign = [
        SIGV4_ALGORITHM,
        scope.amzDate,
        credentialScope,
        (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(text, 'utf8').digest('hex'),
    ].join('\n');
    const signature = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', signingKey(scope.credentials.secretAccessKey, date, scope.region, scope.service))
        .update(stringToSign, 'utf8')
        .digest('hex');
    return `${SIGV4_ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}


/***/ }),

/***/ 97814:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Gz: () => (/* binding */ DEFAULT_MAX_ATTEMPTS),
/* harmony export */   Lo: () => (/* binding */ endpointFor),
/* harmony export */   nV: () => (/* binding */ createAwsClient)
/* harmony export */ });
/* unused harmony exports endpointVariable, LoggingRetryStrategy */
/* harmony import */ var node_async_hooks__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(16698);
/* harmony import */ var node_async_hooks__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_async_hooks__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(52251);


/** Attempts per request (first try included) when neither the option nor AWS_MAX_ATTEMPTS sets one. */
const DEFAULT_MAX_ATTEMPTS = 5;
/**
 * Returns the environment variable that contains a service's endpoint:
 * AWS_ENDPOINT_URL_ followed by the SDK service id upper-cased, with spaces
 * and hyphens turned into underscores ('Elastic Load Balancing v2' gives
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2), as the AWS SDKs name it.
 */
function endpointVariable(serviceId) {
    const suffix = serviceId
        .trim()
        .replace(/[\s-]+/g, '_')
        .toUpperCase();
    return `AWS_ENDPOINT_URL_${suffix}`;
}
/**
 * Returns the endpoint URL configured for a service: AWS_ENDPOINT_URL_<SERVICE>
 * first, then AWS_ENDPOINT_URL, or undefined when neither is set (an empty
 * value counts as not set). Throws when the value is not an http or https
 * URL, naming the variable.
 */
function endpointFor(serviceId, env = process.env) {
    for (const name of [endpointVariable(serviceId), 'AWS_ENDPOINT_URL']) {
        const value = env[name]?.trim();
        if (value)
            return checkEndpointUrl(name, value);
    }
    return undefined;
}
function checkEndpointUrl(name, value) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new Error(`Invalid ${name} '${value}': not a URL. Set it to an http or https URL such as http://127.0.0.1:5000, or unset it to use the AWS endpoint.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error(`Invalid ${name} '${value}': the scheme must be http or https, got '${url.protocol}'. Use a URL such as http://127.0.0.1:5000.`);
    }
    if (url.username || url.password) {
        throw new Error(`Invalid ${name}: the URL must not contain a user name or password. Pass credentials through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`);
    }
    return value;
}
function resolveMaxAttempts(option, env) {
    if (option !== undefined) {
        if (!Number.isInteger(option) || option < 1) {
            throw new RangeError(`Invalid maxAttempts ${option}: use an integer of 1 or more (1 turns retries off).`);
        }
        return option;
    }
    const text = env.AWS_MAX_ATTEMPTS?.trim();
    if (!text)
        return DEFAULT_MAX_ATTEMPTS;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
        throw new Error(`Invalid AWS_MAX_ATTEMPTS '${text}': use an integer of 1 or more, or unset it for the default of ${DEFAULT_MAX_ATTEMPTS}.`);
    }
    return value;
}
function checkAttemptTimeout(value) {
    if (value === undefined)
        return undefined;
    if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`Invalid attemptTimeoutMs ${value}: use a whole number of milliseconds of 1 or more, or leave it out for no limit.`);
    }
    return value;
}
/** Static keys from `env` when it carries both; otherwise undefined, so the SDK's default provider chain applies. */
function credentialsFrom(env) {
    const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
    if (!accessKeyId || !secretAccessKey)
        return undefined;
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    return sessionToken
        ? { accessKeyId, secretAccessKey, sessionToken }
        : { accessKeyId, secretAccessKey };
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
function createAwsClient(
// The SDK clients take different config types, so the constructor is typed loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
ClientClass, opts) {
    const env = opts.env ?? process.env;
    const region = opts.region?.trim();
    if (!region) {
        throw new Error('createAwsClient: the region is empty. Pass a region such as us-east-1.');
    }
    const maxAttempts = resolveMaxAttempts(opts.maxAttempts, env);
    const attemptTimeoutMs = checkAttemptTimeout(opts.attemptTimeoutMs);
    // A first client resolves the service id and the SDK's own standard retry
    // strategy for these settings; the real client wraps that strategy. This
    // keeps @smithy/core, which exports the strategy class, out of the imports.
    const base = { region, maxAttempts, retryMode: 'standard' };
    const probe = new ClientClass(base);
    const serviceId = probe.config.serviceId;
    const standardStrategy = probe.config.retryStrategy;
    probe.destroy();
    const config = {
        ...base,
        retryStrategy: new LoggingRetryStrategy(async () => (await standardStrategy()), { serviceId, maxAttempts, logger: opts.logger }),
    };
    if (attemptTimeoutMs !== undefined) {
        // The client builds its NodeHttpHandler from these options, so this
        // module does not load the handler before a client is created. Without
        // throwOnRequestTimeout, @smithy/node-http-handler (4.14) only logs a
        // warning when requestTimeout passes and lets the request go on.
        config.requestHandler = {
            connectionTimeout: attemptTimeoutMs,
            requestTimeout: attemptTimeoutMs,
            throwOnRequestTimeout: true,
        };
    }
    const endpoint = endpointFor(serviceId, env);
    if (endpoint) {
        config.endpoint = endpoint;
        if (serviceId === 'S3')
            config.forcePathStyle = true;
    }
    if (opts.env) {
        const credentials = credentialsFrom(opts.env);
        if (credentials)
            config.credentials = credentials;
    }
    const client = new ClientClass(config);
    client.middlewareStack.add((next, context) => async (args) => {
        try {
            return await operationContext.run({ operation: context.commandName }, () => next(args));
        }
        catch (error) {
            labelError(error, operationLabel(serviceId, context.commandName));
            throw error;
        }
    }, { step: 'initialize', name: 'kitOperationNameForRetryLog', override: true });
    return client;
}
/** Returns 'S3 PutObject' for service id 'S3' and command name 'PutObjectCommand'. */
function operationLabel(serviceId, commandName) {
    return commandName
        ? `${serviceId} ${commandName.replace(/Command$/, '')}`
        : serviceId;
}
/**
 * Names the service and operation on an error a request threw, so that
 * errorMessage reports them after the retries are over. An error that
 * already has a label (from an inner client call) keeps it.
 */
function labelError(error, label) {
    if (typeof error !== 'object' || error === null)
        return;
    if (_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .AWS_OPERATION_PROPERTY */ .yO in error)
        return;
    try {
        Object.defineProperty(error, _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .AWS_OPERATION_PROPERTY */ .yO, {
            value: label,
            enumerable: false,
            configurable: true,
        });
    }
    catch {
        // A frozen error keeps its message without the label.
    }
}
/** The operation a request belongs to, visible to the retry strategy of that request. */
const operationContext = new node_async_hooks__WEBPACK_IMPORTED_MODULE_0__.AsyncLocalStorage();
/**
 * Retry strategy that delegates every decision to another strategy (the
 * SDK's standard one) and logs each retry and each request given up after
 * a retryable error: service, operation when known, attempt, error code.
 */
class LoggingRetryStrategy {
    loadStrategy;
    opts;
    mode = 'standard';
    strategy;
    loaded;
    constructor(loadStrategy, opts) {
        this.loadStrategy = loadStrategy;
        this.opts = opts;
    }
    inner() {
        this.strategy ??= this.loadStrategy().then((strategy) => {
            this.loaded = strategy;
            return strategy;
        });
        return this.strategy;
    }
    async acquireInitialRetryToken(retryTokenScope) {
        return (await this.inner()).acquireInitialRetryToken(retryTokenScope);
    }
    async refreshRetryTokenForRetry(token, errorInfo) {
        const inner = await this.inner();
        const attempt = token.getRetryCount() + 1;
        const label = this.label();
        const failure = `${label} failed (attempt ${attempt} of ${this.opts.maxAttempts}): ${describeError(errorInfo.error)}`;
        let next;
        try {
            next = await inner.refreshRetryTokenForRetry(token, errorInfo);
        }
        catch (refused) {
            this.logRefusal(failure, attempt, errorInfo);
            throw refused;
        }
        const waited = backoffOf(next);
        this.opts.logger?.info(waited === undefined
            ? `${failure}; retrying`
            : `${failure}; retrying after ${waited} ms backoff`);
        return next;
    }
    recordSuccess(token) {
        // acquireInitialRetryToken loaded the strategy before any request ran.
        this.loaded?.recordSuccess(token);
    }
    label() {
        return operationLabel(this.opts.serviceId, operationContext.getStore()?.operation);
    }
    logRefusal(failure, attempt, errorInfo) {
        const logger = this.opts.logger;
        if (!logger)
            return;
        const retryable = errorInfo.errorType === 'THROTTLING' ||
            errorInfo.errorType === 'TRANSIENT';
        if (!retryable) {
            logger.debug(`${failure}; not retried (${errorInfo.errorType})`);
        }
        else if (attempt >= this.opts.maxAttempts) {
            logger.info(`${failure}; giving up, no attempts left`);
        }
        else {
            logger.info(`${failure}; giving up because the client's retry quota is used up`);
        }
    }
}
/** Returns the delay the standard strategy waited before returning the token, when it records one. */
function backoffOf(token) {
    const log = token
        .$retryLog;
    const waited = log?.acquisitionDelay;
    if (typeof waited === 'number')
        return Math.round(waited);
    const delay = token.getRetryDelay();
    return delay > 0 ? Math.round(delay) : undefined;
}
/** Error code and message, with the HTTP status when the SDK recorded one. */
function describeError(error) {
    const text = (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error);
    const status = error
        ?.$metadata?.httpStatusCode;
    return typeof status === 'number' ? `${text} (HTTP ${status})` : text;
}


/***/ }),

/***/ 74376:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Te: () => (/* binding */ throwIfAborted),
/* harmony export */   ml: () => (/* binding */ systemClock),
/* harmony export */   uk: () => (/* binding */ realSleep)
/* harmony export */ });
/* unused harmony export cancelledErrorFrom */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(52251);

const systemClock = { now: () => Date.now() };
/** Sleep backed by setTimeout. The timer is cleared when the signal aborts. */
const realSleep = (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) {
        reject(cancelledErrorFrom(signal));
        return;
    }
    const onAbort = () => {
        clearTimeout(timer);
        reject(cancelledErrorFrom(signal));
    };
    const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
});
/**
 * Returns the CancelledError to raise for an aborted signal: the signal's
 * reason when it is one (Cancellation aborts with it), otherwise a new one
 * that wraps the reason.
 */
function cancelledErrorFrom(signal) {
    const reason = signal?.reason;
    if (reason instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .CancelledError */ .cc)
        return reason;
    // NOTE: an AbortController that is not driven by a process signal has no
    // signal name to report, so the error reports SIGTERM.
    const error = new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .CancelledError */ .cc('SIGTERM', `The operation was aborted: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(reason)}`);
    error.cause = reason;
    return error;
}
/** Throws a CancelledError when `signal` has aborted. */
function throwIfAborted(signal) {
    if (signal?.aborted)
        throw cancelledErrorFrom(signal);
}


/***/ }),

/***/ 85096:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   B2: () => (/* binding */ Deadline),
/* harmony export */   Xo: () => (/* binding */ formatSeconds),
/* harmony export */   fm: () => (/* binding */ waitFor)
/* harmony export */ });
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(74376);
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(76712);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(52251);
/* harmony import */ var _plural_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(65226);




/**
 * A hard time limit for a stage: the earlier of now + timeout and the
 * run-wide deadline. Without either limit the deadline never passes.
 */
class Deadline {
    stage;
    /** Epoch ms at which the deadline passes, or Infinity when unlimited. */
    at;
    /** Epoch ms at which the stage started. */
    startedAt;
    clock;
    limit;
    runDeadlineAt;
    constructor(opts) {
        this.stage = opts.stage;
        this.at = opts.at;
        this.startedAt = opts.startedAt;
        this.clock = opts.clock;
        this.limit = opts.limit;
        this.runDeadlineAt = opts.runDeadlineAt;
    }
    /** Starts a deadline now. Throws a RangeError for a negative or non-finite limit. */
    static start(opts) {
        const clock = opts.clock ?? _clock_js__WEBPACK_IMPORTED_MODULE_0__/* .systemClock */ .ml;
        checkTimeout(opts.stage, opts.timeoutMs);
        if (opts.deadlineAt !== undefined && !Number.isFinite(opts.deadlineAt)) {
            throw new RangeError(`Deadline for '${opts.stage}': deadlineAt must be epoch milliseconds, got ${opts.deadlineAt}`);
        }
        const now = clock.now();
        const timeoutAt = opts.timeoutMs === undefined ? Infinity : now + opts.timeoutMs;
        const runAt = opts.deadlineAt ?? Infinity;
        let limit = { kind: 'none' };
        if (opts.timeoutMs !== undefined && timeoutAt <= runAt) {
            limit = { kind: 'timeout', timeoutMs: opts.timeoutMs, stage: opts.stage };
        }
        else if (opts.deadlineAt !== undefined) {
            limit = { kind: 'run-deadline', at: opts.deadlineAt };
        }
        return new Deadline({
            stage: opts.stage,
            at: Math.min(timeoutAt, runAt),
            startedAt: now,
            clock,
            limit,
            runDeadlineAt: opts.deadlineAt,
        });
    }
    /** Creates a deadline for a sub-step that never passes later than this one. */
    child(stage, timeoutMs) {
        checkTimeout(stage, timeoutMs);
        const now = this.clock.now();
        const ownAt = timeoutMs === undefined ? Infinity : now + timeoutMs;
        const ownLimitApplies = timeoutMs !== undefined && ownAt < this.at;
        return new Deadline({
            stage,
            at: Math.min(ownAt, this.at),
            startedAt: now,
            clock: this.clock,
            limit: ownLimitApplies
                ? { kind: 'timeout', timeoutMs, stage }
                : this.limit,
            runDeadlineAt: this.runDeadlineAt,
        });
    }
    /** Time left before the deadline, never negative, or Infinity when unlimited. */
    remainingMs() {
        return Math.max(0, this.at - this.clock.now());
    }
    /** Time since the stage started. */
    elapsedMs() {
        return this.clock.now() - this.startedAt;
    }
    expired() {
        return this.clock.now() >= this.at;
    }
    /**
     * Throws a DeadlineError when the deadline has passed. `what` completes the
     * sentence "<stage> timed out after 10m ...", for example 'waiting for the
     * service to become stable'.
     */
    check(what) {
        if (this.expired())
            throw this.timeoutError(what);
    }
    /**
     * Builds the error for a passed deadline: "<stage> timed out after 10m
     * [what] (limit: timeout 10m; run budget left: ...)[. detail]".
     */
    timeoutError(what, opts = {}) {
        const after = formatSeconds(this.elapsedMs());
        const context = what ? ` ${what}` : '';
        const detail = opts.detail ? `. ${opts.detail}` : '';
        return new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .DeadlineError */ .j3(`${this.stage} timed out after ${after}${context} (${this.describeLimit()})${detail}`, { stage: this.stage, remainingMs: this.remainingMs(), cause: opts.cause });
    }
    /**
     * Describes which limit applies and the run budget left, for example
     * "limit: timeout 10m; run budget left: 4m 10s until 2026-12-04T12:30:00.000Z".
     */
    describeLimit() {
        const parts = [`limit: ${this.describeLimitKind()}`];
        if (this.runDeadlineAt !== undefined) {
            const left = Math.max(0, this.runDeadlineAt - this.clock.now());
            const iso = new Date(this.runDeadlineAt).toISOString();
            parts.push(`run budget left: ${formatSeconds(left)} until ${iso}`);
        }
        return parts.join('; ');
    }
    /** Sleeps min(ms, remaining time). Rejects with a CancelledError when `signal` aborts. */
    async sleep(ms, sleep = _clock_js__WEBPACK_IMPORTED_MODULE_0__/* .realSleep */ .uk, signal) {
        await sleep(Math.min(ms, this.remainingMs()), signal);
    }
    describeLimitKind() {
        switch (this.limit.kind) {
            case 'timeout': {
                const timeout = `timeout ${formatSeconds(this.limit.timeoutMs)}`;
                return this.limit.stage === this.stage
                    ? timeout
                    : `${timeout} of '${this.limit.stage}'`;
            }
            case 'run-deadline':
                return `run deadline ${new Date(this.limit.at).toISOString()}`;
            case 'none':
                return 'none';
        }
    }
}
function checkTimeout(stage, timeoutMs) {
    if (timeoutMs === undefined)
        return;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        throw new RangeError(`Deadline for '${stage}': timeout must be a finite number of ms >= 0, got ${timeoutMs}`);
    }
}
/**
 * Polls `check` every `intervalMs` until it returns a value other than
 * undefined. Logs one progress line per poll (elapsed, remaining, latest
 * state). Polls one last time when the deadline arrives, then throws a
 * DeadlineError that includes the latest state. Errors from `check` are
 * not caught.
 */
async function waitFor(opts) {
    const { deadline, what } = opts;
    if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) {
        throw new RangeError(`waitFor '${what}': intervalMs must be a positive number, got ${opts.intervalMs}`);
    }
    const sleep = opts.sleep ?? _clock_js__WEBPACK_IMPORTED_MODULE_0__/* .realSleep */ .uk;
    const startedAt = deadline.clock.now();
    for (let poll = 1;; poll += 1) {
        (0,_clock_js__WEBPACK_IMPORTED_MODULE_0__/* .throwIfAborted */ .Te)(opts.signal);
        const value = await opts.check();
        const elapsed = formatSeconds(deadline.clock.now() - startedAt);
        if (value !== undefined) {
            opts.logger?.info(`Done waiting for ${what} after ${elapsed} (${(0,_plural_js__WEBPACK_IMPORTED_MODULE_3__/* .plural */ .L)(poll, 'poll')})`);
            return value;
        }
        const state = opts.describe?.() ?? '';
        const remaining = deadline.remainingMs();
        const stateText = state ? `; state: ${state}` : '';
        opts.logger?.info(`Waiting for ${what}: ${elapsed} elapsed, ${formatSeconds(remaining)} left${stateText}`);
        if (remaining <= 0) {
            throw deadline.timeoutError(`waiting for ${what}`, {
                detail: state ? `Latest state: ${state}` : undefined,
            });
        }
        await deadline.sleep(opts.intervalMs, sleep, opts.signal);
    }
}
/**
 * Formats a time span for log lines and errors, rounded to whole seconds
 * from one second up ('1m30s', '250ms'). Infinity reads 'no limit'.
 */
function formatSeconds(ms) {
    if (!Number.isFinite(ms))
        return 'no limit';
    return (0,_duration_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a)(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms);
}


/***/ }),

/***/ 76712:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E: () => (/* binding */ parseDuration),
/* harmony export */   a: () => (/* binding */ formatDuration)
/* harmony export */ });
const UNIT_MS = {
    h: 3_600_000,
    m: 60_000,
    s: 1_000,
    ms: 1,
};
// Units in the only order a combined duration may use them ('1h30m', not '30m1h').
const UNIT_ORDER = ['h', 'm', 's', 'ms'];
const BARE_SECONDS = /^[+-]?\d+(\.\d+)?$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*/y;
/**
 * Parses '500ms', '90s', '10m', '1h', '1h30m', '1.5h' or a bare number of
 * seconds into milliseconds, rounded to a whole millisecond. A leading '-'
 * gives a negative result. Returns undefined for anything else, including
 * units out of order or repeated ('30m1h', '1m1m') and upper-case units.
 */
function parseDuration(text) {
    const trimmed = text.trim();
    if (BARE_SECONDS.test(trimmed))
        return toSafeMs(Number(trimmed) * 1_000);
    const sign = trimmed.startsWith('-') ? -1 : 1;
    const body = trimmed.replace(/^[+-]/, '').trimStart();
    if (body === '')
        return undefined;
    const part = new RegExp(PART);
    let total = 0;
    let lastUnitIndex = -1;
    while (part.lastIndex < body.length) {
        const match = part.exec(body);
        if (match === null)
            return undefined;
        const unit = match[2] ?? '';
        const unitIndex = UNIT_ORDER.indexOf(unit);
        if (unitIndex <= lastUnitIndex)
            return undefined;
        lastUnitIndex = unitIndex;
        total += Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
    }
    return toSafeMs(sign * total);
}
function toSafeMs(ms) {
    const rounded = Math.round(ms);
    if (!Number.isSafeInteger(rounded))
        return undefined;
    return rounded === 0 ? 0 : rounded;
}
/** Formats milliseconds the way parseDuration reads them: '1h30m', '90s', '250ms'. */
function formatDuration(ms) {
    if (ms === 0)
        return '0s';
    const sign = ms < 0 ? '-' : '';
    let rest = Math.abs(Math.round(ms));
    const parts = [];
    for (const unit of UNIT_ORDER) {
        const size = UNIT_MS[unit] ?? 1;
        const count = Math.floor(rest / size);
        if (count > 0)
            parts.push(`${count}${unit}`);
        rest -= count * size;
    }
    return sign + parts.join('');
}


/***/ }),

/***/ 52251:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   cc: () => (/* binding */ CancelledError),
/* harmony export */   dz: () => (/* binding */ InputError),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   j3: () => (/* binding */ DeadlineError),
/* harmony export */   yO: () => (/* binding */ AWS_OPERATION_PROPERTY)
/* harmony export */ });
/* unused harmony export showValue */
/* harmony import */ var _masking_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(42746);

/** Maximum number of characters of a bad value that an error message shows. */
const SHOWN_VALUE_MAX = 200;
/** Invalid action input: names the input, the bad value and the fix. */
class InputError extends Error {
    input;
    value;
    expected;
    /**
     * Builds the message `Invalid input 'name': "value". expected`, or
     * `Missing input 'name'. expected` when the value is empty.
     */
    constructor(input, value, expected) {
        const message = value === ''
            ? `Missing input '${input}'. ${expected}`
            : `Invalid input '${input}': ${showValue(value)}. ${expected}`;
        super(message);
        this.name = 'InputError';
        this.input = input;
        this.value = value;
        this.expected = expected;
    }
}
/** Raised when a deadline or timeout passes. */
class DeadlineError extends Error {
    /** Stage whose limit passed, such as 'wait for healthy targets'. */
    stage;
    /** Time left on the deadline when this error was raised, in ms. */
    remainingMs;
    constructor(message, opts) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        this.name = 'DeadlineError';
        this.stage = opts.stage;
        this.remainingMs = opts.remainingMs ?? 0;
    }
}
/** Raised when SIGINT or SIGTERM cancelled the action. */
class CancelledError extends Error {
    signal;
    constructor(signal, message) {
        super(message ?? `The action was cancelled by ${signal}`);
        this.name = 'CancelledError';
        this.signal = signal;
    }
}
/**
 * Converts any thrown value to one line of text without a stack. AWS SDK
 * service errors get their error name in front ('NoSuchBucket: ...'), and an
 * Error's cause chain is appended after ': '. An error from a createAwsClient
 * client also gets its service and operation in front ('S3 PutObject failed
 * after 5 attempts: SlowDown: ...') unless `opts.operation` is false, for
 * callers whose own message names the operation.
 */
function errorMessage(error, opts = {}) {
    const withOperation = opts.operation ?? true;
    const seen = new Set();
    const parts = [];
    let current = error;
    while (current !== undefined && !seen.has(current)) {
        seen.add(current);
        // A cause whose text an outer message already contains adds nothing,
        // even when the outer message names the operation in its own words.
        const plain = describeThrown(current, false);
        if (!parts.some((part) => part.includes(plain))) {
            parts.push(withOperation ? describeThrown(current, true) : plain);
        }
        current = current instanceof Error ? current.cause : undefined;
    }
    return parts.length > 0 ? parts.join(': ') : 'unknown error (undefined)';
}
function describeThrown(value, withOperation) {
    if (value instanceof AggregateError) {
        const inner = value.errors.map((e) => errorMessage(e)).join('; ');
        const head = value.message || 'several errors';
        return inner ? `${head} (${inner})` : head;
    }
    if (value instanceof Error)
        return describeError(value, withOperation);
    if (typeof value === 'string')
        return value || 'unknown error (empty string)';
    if (value === null)
        return 'unknown error (null)';
    if (typeof value === 'object')
        return describeObject(value);
    return String(value);
}
/**
 * Property that createAwsClient sets on every error a request throws: the
 * service and operation, such as 'S3 PutObject', so that errorMessage can
 * name them.
 */
const AWS_OPERATION_PROPERTY = 'awsOperation';
function describeError(error, withOperation) {
    const message = error.message || error.name || 'unknown error';
    const prefix = errorPrefix(error);
    const text = prefix && !message.includes(prefix) ? `${prefix}: ${message}` : message;
    const operation = withOperation ? operationPrefix(error) : undefined;
    return operation && !text.includes(operation) ? `${operation}: ${text}` : text;
}
/** Returns 'S3 PutObject failed after 5 attempts' for an error that createAwsClient labelled. */
function operationPrefix(error) {
    const record = error;
    const operation = record[AWS_OPERATION_PROPERTY];
    if (typeof operation !== 'string' || operation === '')
        return undefined;
    const attempts = record.$metadata
        ?.attempts;
    return typeof attempts === 'number' && attempts > 1
        ? `${operation} failed after ${attempts} attempts`
        : `${operation} failed`;
}
/** Returns the AWS SDK error name, or a Node system error code such as ECONNRESET. */
function errorPrefix(error) {
    const record = error;
    if ('$metadata' in record && error.name !== 'Error')
        return error.name;
    const code = record.code;
    return typeof code === 'string' && code !== '' ? code : undefined;
}
function describeObject(value) {
    const message = value.message;
    if (typeof message === 'string' && message !== '')
        return message;
    try {
        const json = JSON.stringify(value);
        if (json !== undefined)
            return json;
    }
    catch {
        // Cyclic or BigInt-holding objects fall through to String().
    }
    return String(value);
}
/**
 * Formats a value for an error message: redacted, cut to 200 characters,
 * double-quoted, with backslashes, quotes, control characters and invisible
 * bidirectional or zero-width characters escaped.
 */
function showValue(value) {
    const characters = Array.from((0,_masking_js__WEBPACK_IMPORTED_MODULE_0__/* .redact */ .E$)(value));
    const cut = characters.slice(0, SHOWN_VALUE_MAX).join('');
    const quoted = `"${escapeText(cut)}"`;
    if (characters.length <= SHOWN_VALUE_MAX)
        return quoted;
    return `${quoted}... (${characters.length} characters, first ${SHOWN_VALUE_MAX} shown)`;
}
const SIMPLE_ESCAPES = {
    '\\': '\\\\',
    '"': '\\"',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
};
// Control characters (C0, DEL, C1), line and paragraph separators,
// zero-width characters and bidirectional overrides.
const ESCAPED_CHARACTERS = /[\\"\p{Cc}\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu;
function escapeText(text) {
    return text.replace(ESCAPED_CHARACTERS, (character) => {
        const simple = SIMPLE_ESCAPES[character];
        if (simple !== undefined)
            return simple;
        const code = character.charCodeAt(0).toString(16).padStart(4, '0');
        return `\\u${code}`;
    });
}


/***/ }),

/***/ 42746:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $l: () => (/* binding */ maskSecret),
/* harmony export */   BO: () => (/* binding */ redactUrl),
/* harmony export */   E$: () => (/* binding */ redact)
/* harmony export */ });
/* unused harmony exports isSecretName, isSecretQueryParameter, maskUrlSecrets, maskBasicCredentials, redactObject, resetMasksForTests */
/* harmony import */ var _runner_commands_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(29301);

/** Shortest value that maskSecret registers: shorter ones would mask ordinary text. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';
const secrets = new Set();
let sortedSecrets = [];
/**
 * Registers a secret with the runner (core.setSecret) and with redact(), which
 * masks our own log lines, outputs and summaries. Values shorter than 4
 * characters are ignored. Each line of a multi-line value, and the value's
 * JSON-escaped, URL-encoded and base64 forms, are masked as well.
 */
function maskSecret(value) {
    if (value.length < MIN_SECRET_LENGTH)
        return;
    _runner_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .setSecret */ .Pq(value);
    const forms = [
        value,
        ...value.split(/\r?\n/).map((line) => line.trim()),
        JSON.stringify(value).slice(1, -1),
        encodeURIComponent(value),
        // Form encoding, as URLSearchParams writes it: '+' for a space.
        new URLSearchParams({ v: value }).toString().slice(2),
        Buffer.from(value, 'utf8').toString('base64'),
    ];
    for (const form of forms) {
        if (form.length >= MIN_SECRET_LENGTH)
            secrets.add(form);
    }
    sortedSecrets = [...secrets].sort((a, b) => b.length - a.length);
}
/** Replaces every registered secret in text by '***', longest first. */
function redact(text) {
    let result = text;
    for (const secret of sortedSecrets) {
        if (result.includes(secret))
            result = result.split(secret).join(MASK);
    }
    return result;
}
// Words that mark a name as holding a secret, after the name is split into
// lower-case words at '-', '_', '.', spaces and camelCase boundaries.
const SECRET_WORDS = new Set([
    'auth',
    'authentication',
    'authorization',
    'cookie',
    'credential',
    'credentials',
    'passphrase',
    'passwd',
    'password',
    'pwd',
    'secret',
    'signature',
    'token',
    'apikey',
    'privatekey',
]);
// 'key' is a secret only after one of these words ('api-key', 'private_key').
const KEY_QUALIFIERS = new Set([
    'access',
    'account',
    'api',
    'client',
    'encryption',
    'master',
    'private',
    'secret',
    'session',
    'signing',
    'subscription',
]);
// A last word that names metadata about a secret rather than the secret
// itself: 'secret-arn', 'token-url', 'AccessKeyId', 'password-file'.
const METADATA_WORDS = new Set([
    'arn',
    'expiry',
    'expires',
    'enabled',
    'file',
    'id',
    'method',
    'mode',
    'name',
    'path',
    'ref',
    'scheme',
    'ttl',
    'type',
    'url',
]);
// Query parameters that carry credentials in presigned or OAuth URLs.
const SECRET_QUERY_PARAMETERS = new Set([
    'access_token',
    'code',
    'sig',
    'x-amz-credential',
    'x-amz-security-token',
    'x-amz-signature',
]);
/**
 * Decides whether a header, field or parameter name may carry a secret:
 * authorization, cookie, x-api-key, and names containing auth, token, secret,
 * password or a qualified key (api-key, private_key, SecretAccessKey,
 * Ocp-Apim-Subscription-Key).
 */
function isSecretName(name) {
    const words = splitWords(name);
    const last = words[words.length - 1];
    if (last === undefined || METADATA_WORDS.has(last))
        return false;
    return words.some((word, index) => SECRET_WORDS.has(word) ||
        (word === 'key' && KEY_QUALIFIERS.has(words[index - 1] ?? '')));
}
function splitWords(name) {
    return name
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((word) => word !== '');
}
/**
 * Returns URL text with the user name and password replaced by '***', values
 * of secret-looking query parameters replaced by '***', and registered
 * secrets redacted.
 */
function redactUrl(url) {
    let parsed;
    try {
        parsed = new URL(url.toString());
    }
    catch {
        // A value that does not parse may still carry credentials, with a '/'
        // or a space in them, so everything from '//' to the last '@' is hidden.
        const text = url.toString().replace(/(\/\/).*@/s, `$1${MASK}@`);
        return redact(text);
    }
    if (parsed.username !== '' || parsed.password !== '') {
        parsed.username = MASK;
        parsed.password = '';
    }
    if (parsed.search !== '')
        parsed.search = redactQuery(parsed.search.slice(1));
    return redact(parsed.href);
}
/** Decides whether redactUrl hides the value of a query parameter. */
function isSecretQueryParameter(name) {
    return isSecretName(name) || SECRET_QUERY_PARAMETERS.has(name.toLowerCase());
}
function redactQuery(query) {
    return query
        .split('&')
        .map((pair) => {
        const separator = pair.indexOf('=');
        if (separator < 0)
            return pair;
        const key = safeDecode(pair.slice(0, separator));
        return isSecretQueryParameter(key)
            ? `${pair.slice(0, separator)}=${MASK}`
            : pair;
    })
        .join('&');
}
/**
 * Registers the secrets a URL carries: the password, the Basic
 * authentication value built from user and password (`Basic <base64>` and
 * the base64 part alone), and the values of query parameters that
 * redactUrl hides, each decoded and as written in the URL.
 */
function maskUrlSecrets(url) {
    if (url.password !== '') {
        maskSecret(url.password);
        maskSecret(safeDecodeComponent(url.password));
    }
    if (url.username !== '' || url.password !== '') {
        const user = safeDecodeComponent(url.username);
        const password = safeDecodeComponent(url.password);
        maskBasicCredentials(user, password);
    }
    if (url.search === '')
        return;
    for (const pair of url.search.slice(1).split('&')) {
        const separator = pair.indexOf('=');
        if (separator < 0)
            continue;
        if (!isSecretQueryParameter(safeDecode(pair.slice(0, separator)))) {
            continue;
        }
        const raw = pair.slice(separator + 1);
        maskSecret(raw);
        maskSecret(safeDecode(raw));
    }
}
/**
 * Registers the HTTP Basic authentication value of `user` and `password`
 * (RFC 7617): `Basic <base64(user:password)>` and the base64 part alone.
 */
function maskBasicCredentials(user, password) {
    const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    maskSecret(encoded);
    maskSecret(`Basic ${encoded}`);
}
function safeDecodeComponent(text) {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
}
function safeDecode(text) {
    try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
    }
    catch {
        return text;
    }
}
const URL_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i;
/**
 * Returns a deep copy of a JSON value in which every string or number under
 * a secret-looking key is '***', URLs lose their credentials and other
 * strings are redacted. Cycles become '[Circular]'.
 */
function redactObject(value) {
    return copyRedacted(value, false, new WeakSet());
}
function copyRedacted(value, underSecret, ancestors) {
    if (typeof value === 'string') {
        if (underSecret && value !== '')
            return MASK;
        return URL_WITH_USERINFO.test(value) ? redactUrl(value) : redact(value);
    }
    if (typeof value === 'number' || typeof value === 'bigint') {
        return underSecret ? MASK : value;
    }
    if (value === null || typeof value !== 'object')
        return value;
    if (ancestors.has(value))
        return '[Circular]';
    ancestors.add(value);
    let copy;
    if (Array.isArray(value)) {
        copy = value.map((item) => copyRedacted(item, underSecret, ancestors));
    }
    else if (isPlainObject(value)) {
        copy = Object.fromEntries(Object.entries(value).map(([key, item]) => [
            key,
            copyRedacted(item, underSecret || isSecretName(key), ancestors),
        ]));
    }
    else {
        copy = value;
    }
    ancestors.delete(value);
    return copy;
}
function isPlainObject(value) {
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}
/** Forgets every secret registered with maskSecret (the runner keeps its own). */
function resetMasksForTests() {
    secrets.clear();
    sortedSecrets = [];
}


/***/ }),

/***/ 65226:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   L: () => (/* binding */ plural)
/* harmony export */ });
/** Formats a count with its noun, adding 's' unless the count is 1 ("1 file", "2 files"). */
function plural(count, noun) {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
}


/***/ }),

/***/ 29301:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $e: () => (/* binding */ warning),
/* harmony export */   C1: () => (/* binding */ setFailed),
/* harmony export */   N4: () => (/* binding */ endGroup),
/* harmony export */   Oh: () => (/* binding */ startGroup),
/* harmony export */   Pq: () => (/* binding */ setSecret),
/* harmony export */   Yz: () => (/* binding */ debug),
/* harmony export */   _o: () => (/* binding */ isDebug),
/* harmony export */   pq: () => (/* binding */ info),
/* harmony export */   z3: () => (/* binding */ error)
/* harmony export */ });
/* unused harmony exports escapeCommandData, escapeCommandProperty, issueCommand, saveState, getState */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(48161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_2__);
/**
 * The part of the GitHub Actions runner protocol that the kit's actions
 * speak: workflow commands written to standard output (`::name::message`,
 * with properties as `::name key=value,...::message`) and the step state
 * file named by GITHUB_STATE.
 *
 * It replaces @actions/core in the actions' start-up path, because that
 * package loads an HTTP client with undici on import: about 0.8 MB of
 * bundled code, needed only to request an OIDC token.
 */



/** Escapes a command's message: '%', CR and LF, which end or break a command line. */
function escapeCommandData(text) {
    return text.replace(/[%\r\n]/g, (char) => PERCENT_ENCODED[char]);
}
/** Escapes a command property value: as a message, and ':' and ',' too. */
function escapeCommandProperty(text) {
    return text.replace(/[%\r\n:,]/g, (char) => PERCENT_ENCODED[char]);
}
const PERCENT_ENCODED = {
    '%': '%25',
    '\r': '%0D',
    '\n': '%0A',
    ':': '%3A',
    ',': '%2C',
};
/** Writes one workflow command line; properties with an empty value are left out. */
function issueCommand(name, message = '', properties = {}) {
    const pairs = Object.entries(properties)
        .filter((pair) => Boolean(pair[1]))
        .map(([key, value]) => `${key}=${escapeCommandProperty(value)}`);
    const head = pairs.length === 0 ? name : `${name} ${pairs.join(',')}`;
    process.stdout.write(`::${head}::${escapeCommandData(message)}${node_os__WEBPACK_IMPORTED_MODULE_2__.EOL}`);
}
/** Writes a plain log line. */
function info(message) {
    process.stdout.write(`${message}${node_os__WEBPACK_IMPORTED_MODULE_2__.EOL}`);
}
/** Returns whether step debug logging is on (the runner then sets RUNNER_DEBUG=1). */
function isDebug() {
    return process.env.RUNNER_DEBUG === '1';
}
/** Writes a debug line, which the runner shows only with step debug logging on. */
function debug(message) {
    issueCommand('debug', message);
}
/** Writes a warning annotation. */
function warning(message) {
    issueCommand('warning', message);
}
/** Writes an error annotation. */
function error(message) {
    issueCommand('error', message);
}
/** Starts a collapsible group of log lines. */
function startGroup(title) {
    issueCommand('group', title);
}
/** Ends the current group of log lines. */
function endGroup() {
    issueCommand('endgroup');
}
/** Asks the runner to mask `value` in every later log line. */
function setSecret(value) {
    issueCommand('add-mask', value);
}
/** Marks the step failed: exit code 1 and an error annotation. */
function setFailed(message) {
    process.exitCode = 1;
    error(message);
}
/**
 * Saves a value for the post step of the same action: appended to the
 * GITHUB_STATE file in the heredoc form, or as a save-state command on a
 * runner too old to set that file.
 */
function saveState(name, value) {
    const file = process.env.GITHUB_STATE;
    if (!file) {
        issueCommand('save-state', value, { name });
        return;
    }
    let delimiter = `ghadelimiter_${randomUUID()}`;
    while (value.includes(delimiter) || name.includes(delimiter)) {
        delimiter = `ghadelimiter_${randomUUID()}`;
    }
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}
/** Reads a value that the main step saved with saveState ('' when none). */
function getState(name) {
    return process.env[`STATE_${name}`] ?? '';
}


/***/ }),

/***/ 42613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 20181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 35317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 49140:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("constants");

/***/ }),

/***/ 76982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 24434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 79896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 91943:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs/promises");

/***/ }),

/***/ 58611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 65692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 69278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 34589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 16698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 31421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 37540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 77598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 53053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 40610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 78474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 73024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 51455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 37067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 32467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 44708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 98995:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:module");

/***/ }),

/***/ 77030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 48161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 76760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 41792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 57075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 46193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:string_decoder");

/***/ }),

/***/ 41692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 73136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 57975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 73429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 75919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 38522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 70857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 16928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 13193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 53557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 64756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 52018:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tty");

/***/ }),

/***/ 87016:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("url");

/***/ }),

/***/ 39023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 43106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(87710);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
