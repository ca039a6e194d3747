package s3sink

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var errNilInput = errors.New("s3sink: nil *s3.PutObjectInput")

// uploadInput returns the transfer manager's input for the upload that in
// describes, or an error naming the first field of in that an upload
// cannot use: a missing bucket or key, a Body (the object comes from the
// chunks or the reader), or a field that only a single PutObject of a
// known body can honour.
func uploadInput(in *s3.PutObjectInput) (*transfermanager.UploadObjectInput, error) {
	if in == nil {
		return nil, errNilInput
	}
	switch {
	case in.Bucket == nil || *in.Bucket == "":
		return nil, errors.New("s3sink: PutObjectInput.Bucket is empty")
	case in.Key == nil || *in.Key == "":
		return nil, errors.New("s3sink: PutObjectInput.Key is empty")
	case in.Body != nil:
		return nil, errors.New("s3sink: PutObjectInput.Body is set: the object's bytes are the chunks or the reader, not Body")
	case in.ContentLength != nil && *in.ContentLength < 0:
		return nil, fmt.Errorf("s3sink: PutObjectInput.ContentLength is %d, want 0 or more", *in.ContentLength)
	}
	// Checksums of the whole object, which a streamed upload cannot
	// know before it has read the object (ChecksumAlgorithm, which has
	// each request checksummed, is supported), and fields that the
	// transfer manager does not carry.
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ContentMD5", in.ContentMD5 != nil},
		{"ChecksumCRC32", in.ChecksumCRC32 != nil},
		{"ChecksumCRC32C", in.ChecksumCRC32C != nil},
		{"ChecksumCRC64NVME", in.ChecksumCRC64NVME != nil},
		{"ChecksumMD5", in.ChecksumMD5 != nil},
		{"ChecksumSHA1", in.ChecksumSHA1 != nil},
		{"ChecksumSHA256", in.ChecksumSHA256 != nil},
		{"ChecksumSHA512", in.ChecksumSHA512 != nil},
		{"ChecksumXXHASH128", in.ChecksumXXHASH128 != nil},
		{"ChecksumXXHASH3", in.ChecksumXXHASH3 != nil},
		{"ChecksumXXHASH64", in.ChecksumXXHASH64 != nil},
	} {
		if f.set {
			return nil, fmt.Errorf("s3sink: PutObjectInput.%s is set: a checksum of the whole object is not supported "+
				"(ChecksumAlgorithm has each request checksummed)", f.name)
		}
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ObjectLockEventHold", in.ObjectLockEventHold != ""},
		{"ObjectLockEventHoldDurationDays", in.ObjectLockEventHoldDurationDays != nil},
		{"ObjectLockEventHoldDurationYears", in.ObjectLockEventHoldDurationYears != nil},
		{"WriteOffsetBytes", in.WriteOffsetBytes != nil},
	} {
		if f.set {
			return nil, fmt.Errorf("s3sink: PutObjectInput.%s is set, which the transfer manager does not support", f.name)
		}
	}
	return &transfermanager.UploadObjectInput{
		Bucket:                    in.Bucket,
		Key:                       in.Key,
		ACL:                       tmtypes.ObjectCannedACL(in.ACL),
		BucketKeyEnabled:          in.BucketKeyEnabled,
		CacheControl:              in.CacheControl,
		ChecksumAlgorithm:         tmtypes.ChecksumAlgorithm(in.ChecksumAlgorithm),
		ContentDisposition:        in.ContentDisposition,
		ContentEncoding:           in.ContentEncoding,
		ContentLanguage:           in.ContentLanguage,
		ContentLength:             in.ContentLength,
		ContentType:               in.ContentType,
		ExpectedBucketOwner:       in.ExpectedBucketOwner,
		Expires:                   in.Expires,
		GrantFullControl:          in.GrantFullControl,
		GrantRead:                 in.GrantRead,
		GrantReadACP:              in.GrantReadACP,
		GrantWriteACP:             in.GrantWriteACP,
		IfMatch:                   in.IfMatch,
		IfNoneMatch:               in.IfNoneMatch,
		Metadata:                  in.Metadata,
		ObjectLockLegalHoldStatus: tmtypes.ObjectLockLegalHoldStatus(in.ObjectLockLegalHoldStatus),
		ObjectLockMode:            tmtypes.ObjectLockMode(in.ObjectLockMode),
		ObjectLockRetainUntilDate: in.ObjectLockRetainUntilDate,
		RequestPayer:              tmtypes.RequestPayer(in.RequestPayer),
		SSECustomerAlgorithm:      in.SSECustomerAlgorithm,
		SSECustomerKey:            in.SSECustomerKey,
		SSECustomerKeyMD5:         in.SSECustomerKeyMD5,
		SSEKMSEncryptionContext:   in.SSEKMSEncryptionContext,
		SSEKMSKeyID:               in.SSEKMSKeyId,
		ServerSideEncryption:      tmtypes.ServerSideEncryption(in.ServerSideEncryption),
		StorageClass:              tmtypes.StorageClass(in.StorageClass),
		Tagging:                   in.Tagging,
		WebsiteRedirectLocation:   in.WebsiteRedirectLocation,
	}, nil
}
