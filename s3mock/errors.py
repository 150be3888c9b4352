"""S3 errors as data: one S3Error type and one table code -> (HTTP status, default message).

Pure: no aiohttp, no I/O. Rendering to XML lives in xml.py.
"""

from __future__ import annotations

# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
ERRORS: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "Access Denied"),
    "AccessForbidden": (403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."),
    "AuthorizationHeaderMalformed": (400, "The authorization header is malformed."),
    "AuthorizationQueryParametersError": (400, "Error parsing the X-Amz-Credential parameter."),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BadRequest": (400, "Bad Request"),
    "BucketAlreadyExists": (409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."),
    "BucketAlreadyOwnedByYou": (409, "Your previous request to create the named bucket succeeded and you already own it."),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty"),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed size"),
    "EntityTooSmall": (400, "Your proposed upload is smaller than the minimum allowed size"),
    "IllegalVersioningConfigurationException": (400, "The Versioning element must be specified"),
    "IllegalLocationConstraintException": (400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."),
    "IncompleteBody": (400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "InvalidAccessKeyId": (403, "The AWS Access Key Id you provided does not exist in our records."),
    "InvalidArgument": (400, "Invalid Argument"),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidChunkSizeError": (403, "Only the last chunk is allowed to have a size less than 8192 bytes"),
    "InvalidDigest": (400, "The Content-MD5 you specified was invalid."),  # wire, versitygw#1526
    "InvalidLocationConstraint": (400, "The specified location-constraint is not valid"),
    "InvalidObjectState": (403, "The operation is not valid for the current state of the object."),
    "InvalidPart": (400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."),
    "InvalidPartNumber": (416, "The requested partnumber is not satisfiable"),
    "InvalidPartOrder": (400, "The list of parts was not in ascending order. Parts must be ordered by part number."),
    "InvalidPolicyDocument": (400, "The content of the form does not meet the conditions specified in the policy document."),
    "InvalidRange": (416, "The requested range is not satisfiable"),
    "InvalidRequest": (400, "Invalid Request"),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "InvalidTag": (400, "The TagKey you have provided is invalid"),
    "InvalidStorageClass": (400, "The storage class you specified is not valid"),
    "KeyTooLongError": (400, "Your key is too long"),
    "MalformedACLError": (400, "The XML you provided was not well-formed or did not validate against our published schema"),
    "MalformedPOSTRequest": (400, "The body of your POST request is not well-formed multipart/form-data."),
    "MalformedPolicy": (400, "This policy contains invalid Json"),
    "MalformedXML": (400, "The XML you provided was not well-formed or did not validate against our published schema"),
    "MaxMessageLengthExceeded": (400, "Your request was too big."),
    # Recorded without the table's "Error" suffix, typo included (s3_direct_upload#45 and others).
    "MaxPostPreDataLengthExceeded": (400, "Your POST request fields preceeding the upload file was too large."),
    "MetadataTooLarge": (400, "Your metadata headers exceed the maximum allowed metadata size."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "MissingRequestBodyError": (400, "Request Body is empty"),
    "MissingSecurityHeader": (400, "Your request is missing a required header."),
    "NoSuchBucket": (404, "The specified bucket does not exist"),
    "NoSuchBucketPolicy": (404, "The bucket policy does not exist"),
    "NoSuchCORSConfiguration": (404, "The CORS configuration does not exist"),
    # Object Ownership and Block Public Access (about-object-ownership.html, ErrorResponses.html).
    "AccessControlListNotSupported": (400, "The bucket does not allow ACLs"),
    "InvalidBucketAclWithObjectOwnership": (400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"),
    "OwnershipControlsNotFoundError": (404, "The bucket ownership controls were not found"),
    "NoSuchPublicAccessBlockConfiguration": (404, "The public access block configuration was not found"),
    # Bucket settings (handlers/bucket_settings.py; ErrorResponses.html#ErrorCodeList).
    "InvalidTargetBucketForLogging": (400, "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group."),
    "NoSuchConfiguration": (404, "The specified configuration does not exist."),
    "NoSuchLifecycleConfiguration": (404, "The lifecycle configuration does not exist."),
    "ObjectLockConfigurationNotFoundError": (404, "Object Lock configuration does not exist for this bucket"),
    "ReplicationConfigurationNotFoundError": (404, "The replication configuration was not found."),
    "TooManyConfigurations": (400, "You are attempting to create a new configuration but have already reached the 1,000-configuration limit."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchWebsiteConfiguration": (404, "The specified bucket does not have a website configuration"),
    "InvalidRedirectLocation": (400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."),
    "NoSuchTagSet": (404, "The TagSet does not exist"),
    "NoSuchUpload": (404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."),
    "NoSuchVersion": (404, "The specified version does not exist."),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented"),
    "PreconditionFailed": (412, "At least one of the pre-conditions you specified did not hold"),
    "ConditionalRequestConflict": (409, "The conditional request cannot succeed due to a conflicting operation against this resource."),
    "RequestHeaderSectionTooLarge": (400, "Your request header section exceeds the maximum allowed size."),
    "RequestTimeout": (400, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the current time is too large."),
    # 503s a client must retry; AWS's SlowDown carries no Retry-After (a recorded response's
    # seven headers in pingcap/tiflash#10538: connection: close, content-type, date, server,
    # transfer-encoding, x-amz-id-2, x-amz-request-id).
    "ServiceUnavailable": (503, "Service is unable to handle request."),
    "SlowDown": (503, "Please reduce your request rate."),
    "ExpiredToken": (400, "The provided token has expired."),
    "SignatureDoesNotMatch": (403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    "UnexpectedContent": (400, "This request does not support content"),
    "UnresolvableGrantByEmailAddress": (400, "The email address you provided does not match any account on record."),
    "XAmzContentSHA256Mismatch": (400, "The provided 'x-amz-content-sha256' header does not match what was computed."),
}

# Errors whose recorded bodies carry no <Resource> element (spec/cors.md section 7).
# NoSuchCORSConfiguration: AWS body captured in versitygw#1842 (Code, Message, BucketName, ids).
# Authentication errors: AWS bodies in minio#2986 (SignatureDoesNotMatch), aws-cli#4356,
# bryanjos/aws_auth#31 (AuthorizationQueryParametersError), "Request has expired" and
# RequestTimeTooSkewed captures: Code, Message, the code's fields, RequestId, HostId.
# RequestHeaderSectionTooLarge: AWS bodies in versity/versitygw#2180 and
# department-of-veterans-affairs/va.gov-team#89412.
NO_RESOURCE = frozenset({"AccessForbidden", "BadRequest", "NoSuchCORSConfiguration",
                         "AccessDenied", "AuthorizationHeaderMalformed",
                         "AuthorizationQueryParametersError", "InvalidAccessKeyId",
                         "RequestHeaderSectionTooLarge", "RequestTimeTooSkewed",
                         "SignatureDoesNotMatch",
                         # AWS body in versity/versitygw#2071: Code, Message, BucketName, ids.
                         "ObjectLockConfigurationNotFoundError"})

# Not an S3 error code: a conditional GET/HEAD that is not modified. Rendered without a body.
NOT_MODIFIED = "NotModified"
ERRORS[NOT_MODIFIED] = (304, "Not Modified")


class S3Error(Exception):
    """An S3 error response: code, message and the code's own fields (BucketName, Key, ...)."""

    def __init__(self, code: str, message: str | None = None, *, headers: dict[str, str] | None = None, **fields: object):
        status, default = ERRORS[code]
        self.code = code
        self.status = status
        self.message = default if message is None else message
        self.fields = {k: str(v) for k, v in fields.items() if v is not None}
        self.headers = headers or {}
        super().__init__(f"{code}: {self.message}")


# Named variants: a code with a message of its own that S3 sends from more than one place, each
# text written once here (versitygw's ErrInvalidPartNumber idea).

def unsupported_checksum_algorithm() -> S3Error:
    """An x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm naming no algorithm S3 has."""
    return S3Error("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again "
                   "with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")


def invalid_part_number(value: str) -> S3Error:
    """A partNumber that is not an integer in 1..10000 (UploadPart, GetObject, HeadObject)."""
    return S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, "
                   "inclusive", ArgumentName="partNumber", ArgumentValue=value)


def content_md5_required() -> S3Error:
    """A body S3 takes only with an integrity header (PutBucketCors, DeleteObjects)."""
    return S3Error("InvalidRequest", "Missing required header for this request: Content-MD5 OR "
                   "x-amz-checksum-*")


def invalid_date() -> S3Error:
    """A signed request without a readable Date or x-amz-date (SigV4 and SigV2)."""
    return S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")

