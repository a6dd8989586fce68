export const id = 632;
export const ids = [632];
export const modules = {

/***/ 58632:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   invalidateChanged: () => (/* binding */ invalidateChanged)
/* harmony export */ });
/* unused harmony exports invalidationPath, invalidationPaths */
/* harmony import */ var _aws_sdk_client_cloudfront__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(23169);
/* harmony import */ var _common_deadline_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(85096);
/* harmony import */ var _frontend_check_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(75869);



// Characters that CloudFront requires URL-encoded in invalidation paths:
// the unsafe characters of RFC 1738 (space, quotes, <, >, #, %, {, }, |,
// \, ^, ~, [, ], `) plus control characters and every non-ASCII character.
// '*' stays as written, because CloudFront reads it as a wildcard.
const UNSAFE = /[\p{Cc} "#%<>{}|\\^~[\]`]|[^\p{ASCII}]/gu;
/** Encodes one object key as an invalidation path ('/' + key). */
function invalidationPath(key) {
    const encoded = key.replace(UNSAFE, (char) => [...Buffer.from(char, 'utf8')]
        .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
        .join(''));
    return `/${encoded}`;
}
/**
 * Paths to invalidate for the changed keys: each key's path, plus the
 * folder path for a changed `index.html` (CloudFront serves it as `/` or
 * `/folder/`). Above `maxPaths` distinct paths, one wildcard under the
 * prefix replaces them.
 */
function invalidationPaths(changedKeys, prefix, maxPaths) {
    const paths = new Set();
    for (const key of changedKeys) {
        paths.add(invalidationPath(key));
        const name = key.slice(key.lastIndexOf('/') + 1);
        if (name === _frontend_check_js__WEBPACK_IMPORTED_MODULE_1__/* .INDEX_FILE */ .K) {
            paths.add(invalidationPath(key.slice(0, key.length - _frontend_check_js__WEBPACK_IMPORTED_MODULE_1__/* .INDEX_FILE */ .K.length)));
        }
    }
    if (paths.size > maxPaths) {
        const base = prefix === '' ? '' : invalidationPath(prefix);
        return { paths: [`${base}/*`], wildcard: true };
    }
    return { paths: [...paths].sort(), wildcard: false };
}
/**
 * Creates one invalidation for the changed keys and, when `wait` is set,
 * polls it until CloudFront reports it completed or the deadline passes.
 * Returns undefined when nothing changed.
 */
async function invalidateChanged(opts) {
    const { logger, distributionId } = opts;
    if (opts.changedKeys.length === 0) {
        logger.info(`No object was replaced or deleted, so CloudFront distribution ${distributionId} needs no invalidation`);
        return undefined;
    }
    const { paths, wildcard } = invalidationPaths(opts.changedKeys, opts.prefix, opts.maxPaths);
    logger.info(wildcard
        ? `Invalidating ${paths[0]} in CloudFront distribution ${distributionId}: ${opts.changedKeys.length} changed objects exceed invalidation-max-paths ${opts.maxPaths}`
        : `Invalidating ${paths.length} paths in CloudFront distribution ${distributionId}`);
    const created = await opts.cloudFront.send(new _aws_sdk_client_cloudfront__WEBPACK_IMPORTED_MODULE_2__/* .CreateInvalidationCommand */ .Yo6({
        DistributionId: distributionId,
        InvalidationBatch: {
            CallerReference: opts.callerReference,
            Paths: { Quantity: paths.length, Items: paths },
        },
    }), { abortSignal: opts.signal });
    const id = created.Invalidation?.Id;
    if (id === undefined) {
        throw new Error(`CloudFront CreateInvalidation for ${distributionId} returned no invalidation id`);
    }
    let status = created.Invalidation?.Status ?? 'InProgress';
    logger.info(`Created invalidation ${id} (status ${status})`);
    if (opts.wait && !isCompleted(status)) {
        status = await (0,_common_deadline_js__WEBPACK_IMPORTED_MODULE_0__/* .waitFor */ .fm)({
            what: `CloudFront invalidation ${id}`,
            deadline: opts.deadline,
            intervalMs: opts.pollIntervalMs ?? 10_000,
            logger,
            sleep: opts.sleep,
            signal: opts.signal,
            describe: () => `status ${status}`,
            check: async () => {
                const current = await opts.cloudFront.send(new _aws_sdk_client_cloudfront__WEBPACK_IMPORTED_MODULE_2__/* .GetInvalidationCommand */ .Wwh({
                    DistributionId: distributionId,
                    Id: id,
                }), { abortSignal: opts.signal });
                status = current.Invalidation?.Status ?? status;
                return isCompleted(status) ? status : undefined;
            },
        });
    }
    return { id, paths, wildcard, status };
}
/** CloudFront reports `Completed`; moto 5.2 reports `COMPLETED`. */
function isCompleted(status) {
    return status.toLowerCase() === 'completed';
}


/***/ })

};
