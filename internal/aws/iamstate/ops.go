package iamstate

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// ops are the per-kind IAM calls, so the lock logic is written once for
// users and roles.
type ops struct {
	api API
	p   Principal
}

func (o ops) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if apiCode(err) == "NoSuchEntity" {
		return fmt.Errorf("%w: %s: %s: %w", ErrUnknownPrincipal, op, o.p, err)
	}
	return fmt.Errorf("iamstate: %s %s: %w", op, o.p, err)
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	if e, ok := errors.AsType[smithy.APIError](err); ok {
		return e.ErrorCode()
	}
	return ""
}

func (o ops) tags(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	add := func(ts []types.Tag) {
		for _, t := range ts {
			out[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	if o.p.Kind == User {
		pg := iam.NewListUserTagsPaginator(o.api, &iam.ListUserTagsInput{UserName: &o.p.Name})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, o.wrap("ListUserTags", err)
			}
			add(page.Tags)
		}
		return out, nil
	}
	pg := iam.NewListRoleTagsPaginator(o.api, &iam.ListRoleTagsInput{RoleName: &o.p.Name})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, o.wrap("ListRoleTags", err)
		}
		add(page.Tags)
	}
	return out, nil
}

func (o ops) tag(ctx context.Context, tags map[string]string) error {
	var ts []types.Tag
	for k, v := range tags {
		ts = append(ts, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if o.p.Kind == User {
		_, err := o.api.TagUser(ctx, &iam.TagUserInput{UserName: &o.p.Name, Tags: ts})
		return o.wrap("TagUser", err)
	}
	_, err := o.api.TagRole(ctx, &iam.TagRoleInput{RoleName: &o.p.Name, Tags: ts})
	return o.wrap("TagRole", err)
}

func (o ops) untag(ctx context.Context, keys []string) error {
	if o.p.Kind == User {
		_, err := o.api.UntagUser(ctx, &iam.UntagUserInput{UserName: &o.p.Name, TagKeys: keys})
		return o.wrap("UntagUser", err)
	}
	_, err := o.api.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &o.p.Name, TagKeys: keys})
	return o.wrap("UntagRole", err)
}

func (o ops) attached(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	if o.p.Kind == User {
		pg := iam.NewListAttachedUserPoliciesPaginator(o.api, &iam.ListAttachedUserPoliciesInput{UserName: &o.p.Name})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, o.wrap("ListAttachedUserPolicies", err)
			}
			for _, p := range page.AttachedPolicies {
				out[aws.ToString(p.PolicyArn)] = true
			}
		}
		return out, nil
	}
	pg := iam.NewListAttachedRolePoliciesPaginator(o.api, &iam.ListAttachedRolePoliciesInput{RoleName: &o.p.Name})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, o.wrap("ListAttachedRolePolicies", err)
		}
		for _, p := range page.AttachedPolicies {
			out[aws.ToString(p.PolicyArn)] = true
		}
	}
	return out, nil
}

func (o ops) attach(ctx context.Context, arn string) error {
	if o.p.Kind == User {
		_, err := o.api.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: &o.p.Name, PolicyArn: &arn})
		return o.wrap("AttachUserPolicy", err)
	}
	_, err := o.api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &o.p.Name, PolicyArn: &arn})
	return o.wrap("AttachRolePolicy", err)
}

func (o ops) detach(ctx context.Context, arn string) error {
	var err error
	if o.p.Kind == User {
		_, err = o.api.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: &o.p.Name, PolicyArn: &arn})
	} else {
		_, err = o.api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &o.p.Name, PolicyArn: &arn})
	}
	if apiCode(err) == "NoSuchEntity" { // detached meanwhile: the goal is reached
		return nil
	}
	return o.wrap("DetachPolicy", err)
}

func (o ops) inline(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	if o.p.Kind == User {
		pg := iam.NewListUserPoliciesPaginator(o.api, &iam.ListUserPoliciesInput{UserName: &o.p.Name})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, o.wrap("ListUserPolicies", err)
			}
			for _, n := range page.PolicyNames {
				out[n] = true
			}
		}
		return out, nil
	}
	pg := iam.NewListRolePoliciesPaginator(o.api, &iam.ListRolePoliciesInput{RoleName: &o.p.Name})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, o.wrap("ListRolePolicies", err)
		}
		for _, n := range page.PolicyNames {
			out[n] = true
		}
	}
	return out, nil
}

func (o ops) put(ctx context.Context, name, doc string) error {
	if o.p.Kind == User {
		_, err := o.api.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &o.p.Name, PolicyName: &name, PolicyDocument: &doc})
		return o.wrap("PutUserPolicy "+name, err)
	}
	_, err := o.api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &o.p.Name, PolicyName: &name, PolicyDocument: &doc})
	return o.wrap("PutRolePolicy "+name, err)
}

func (o ops) del(ctx context.Context, name string) error {
	var err error
	if o.p.Kind == User {
		_, err = o.api.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: &o.p.Name, PolicyName: &name})
	} else {
		_, err = o.api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &o.p.Name, PolicyName: &name})
	}
	if apiCode(err) == "NoSuchEntity" {
		return nil
	}
	return o.wrap("DeletePolicy "+name, err)
}

// keys lists a user's access keys (none for a role).
func (o ops) keys(ctx context.Context) ([]types.AccessKeyMetadata, error) {
	if o.p.Kind != User {
		return nil, nil
	}
	var out []types.AccessKeyMetadata
	pg := iam.NewListAccessKeysPaginator(o.api, &iam.ListAccessKeysInput{UserName: &o.p.Name})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, o.wrap("ListAccessKeys", err)
		}
		out = append(out, page.AccessKeyMetadata...)
	}
	return out, nil
}

func (o ops) setKey(ctx context.Context, id string, status types.StatusType) error {
	_, err := o.api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: &o.p.Name, AccessKeyId: &id, Status: status})
	if apiCode(err) == "NoSuchEntity" {
		return fmt.Errorf("%w: %s of %s: %w", errNoKey, id, o.p, err)
	}
	return o.wrap("UpdateAccessKey "+id, err)
}
