export const id = 501;
export const ids = [501];
export const modules = {

/***/ 16501:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runRestoreIndex: () => (/* binding */ runRestoreIndex)
/* harmony export */ });
/* unused harmony export copySourceOf */
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(53711);
/* harmony import */ var _common_aws_clients_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(97814);
/* harmony import */ var _common_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(52251);
/* harmony import */ var _s3_requests_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(14193);
/* harmony import */ var _sigv4_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(21077);
/**
 * The `restore-index` part: puts back the index.html that publish replaced,
 * from the reference publish wrote to `previous-index-json` (the kept object
 * version in a versioned bucket, or the kept copy in an unversioned one).
 */





/** Returns the CopySource value of the kept index.html: bucket and encoded key, with the version id when set. */
function copySourceOf(previous) {
    const key = previous.copy_key ?? previous.key;
    const source = `${previous.bucket}/${(0,_sigv4_js__WEBPACK_IMPORTED_MODULE_3__/* .uriEncode */ .HQ)(key, true)}`;
    return previous.version_id === undefined
        ? source
        : `${source}?versionId=${encodeURIComponent(previous.version_id)}`;
}
/** Describes the kept index.html for logs and errors. */
function describeSource(previous) {
    return previous.version_id === undefined
        ? `s3://${previous.bucket}/${previous.copy_key}`
        : `s3://${previous.bucket}/${previous.key} version ${previous.version_id}`;
}
/**
 * Restores the previous index.html: checks that the kept object exists,
 * copies it over the current key with its metadata (Content-Type,
 * Cache-Control and x-amz-meta-sha256 are kept), and checks the result.
 * Without a previous index.html it logs that and changes nothing.
 */
async function runRestoreIndex(ctx, inputs, report, deadline) {
    const previous = inputs.restoreIndex?.previousIndex;
    if (previous === undefined) {
        const line = 'previous-index-json names no previous index.html (publish replaced none), so there is nothing to restore; no S3 request was sent';
        ctx.logger.info(line);
        ctx.outputs.set('restored-index-json', '');
        report.skippedReason = line;
        report.details.restore_index = { restored: false };
        report.rows.push(['restore-index', 'nothing to restore']);
        return;
    }
    const target = `s3://${previous.bucket}/${previous.key}`;
    const source = describeSource(previous);
    const s3 = (0,_common_aws_clients_js__WEBPACK_IMPORTED_MODULE_0__/* .createAwsClient */ .nV)(_aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_4__.S3Client, {
        region: inputs.awsRegion,
        logger: ctx.logger,
        env: ctx.env,
    });
    const limits = {
        attemptTimeoutMs: inputs.attemptTimeoutMs,
        maxAttempts: 3,
        signal: AbortSignal.any([
            ctx.cancellation.signal,
            AbortSignal.timeout(Math.max(1, Math.min(deadline.remainingMs(), 2 ** 31 - 1))),
        ]),
        logger: ctx.logger,
    };
    try {
        ctx.logger.info(`Checking the kept index.html at ${source}`);
        const kept = await headSource(s3, previous, source, limits);
        ctx.logger.info(`Found ${source}: ${kept.ContentLength ?? 0} bytes, ETag ${kept.ETag ?? '(none)'}, Content-Type ${kept.ContentType ?? '(none)'}`);
        ctx.logger.info(`Copying ${source} over ${target}`);
        const copied = await (0,_s3_requests_js__WEBPACK_IMPORTED_MODULE_2__/* .sendS3 */ .Js)(s3, `S3 CopyObject ${source} to ${target}`, (client, abortSignal) => client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_4__.CopyObjectCommand({
            Bucket: previous.bucket,
            Key: previous.key,
            CopySource: copySourceOf(previous),
            MetadataDirective: 'COPY',
        }), { abortSignal }), limits);
        const restored = await (0,_s3_requests_js__WEBPACK_IMPORTED_MODULE_2__/* .sendS3 */ .Js)(s3, `S3 HeadObject ${target}`, (client, abortSignal) => client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_4__.HeadObjectCommand({
            Bucket: previous.bucket,
            Key: previous.key,
            ...(copied.VersionId === undefined
                ? {}
                : { VersionId: copied.VersionId }),
        }), { abortSignal }), limits);
        // A server-side copy of a single-part object keeps its MD5 ETag.
        if (kept.ETag !== undefined &&
            !kept.ETag.includes('-') &&
            restored.ETag !== kept.ETag) {
            throw new Error(`After the copy, ${target} has ETag ${restored.ETag ?? '(none)'}, not the ETag ${kept.ETag} of ${source}. Another writer may have replaced it; check the bucket and run the step again.`);
        }
        const result = {
            bucket: previous.bucket,
            key: previous.key,
            source: previous.version_id === undefined
                ? previous.copy_key
                : `${previous.key}?versionId=${previous.version_id}`,
            ...(copied.VersionId === undefined
                ? {}
                : { version_id: copied.VersionId }),
            etag: (restored.ETag ?? '').replace(/^"|"$/g, ''),
            size_bytes: restored.ContentLength ?? 0,
        };
        ctx.logger.info(`Restored ${target} from ${source}${result.version_id === undefined ? '' : ` as version ${result.version_id}`} (${result.size_bytes} bytes, Content-Type ${restored.ContentType ?? '(none)'}, Cache-Control ${restored.CacheControl ?? '(none)'})`);
        ctx.outputs.set('restored-index-json', result);
        report.details.restore_index = { restored: true, ...result };
        report.rows.push(['restore-index', `${target} restored from ${source}`]);
    }
    catch (error) {
        report.rows.push(['restore-index', `failed: ${(0,_common_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error)}`]);
        throw error;
    }
    finally {
        s3.destroy();
    }
}
/** Reads the kept object's headers; a missing object or version fails with the reason. */
async function headSource(s3, previous, source, limits) {
    try {
        return await (0,_s3_requests_js__WEBPACK_IMPORTED_MODULE_2__/* .sendS3 */ .Js)(s3, `S3 HeadObject ${source}`, (client, abortSignal) => client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_4__.HeadObjectCommand({
            Bucket: previous.bucket,
            Key: previous.copy_key ?? previous.key,
            ...(previous.version_id === undefined
                ? {}
                : { VersionId: previous.version_id }),
        }), { abortSignal }), limits);
    }
    catch (error) {
        const status = error
            .$metadata?.httpStatusCode;
        if (status === 404 || status === 400) {
            throw new Error(`The kept index.html ${source} was not found (HTTP ${status}), so ${previous.key} cannot be restored from it. Check that previous-index-json comes from the publish of this release and that no lifecycle rule removed the ${previous.version_id === undefined ? 'copy' : 'version'}.`, { cause: error });
        }
        throw error;
    }
}


/***/ })

};
