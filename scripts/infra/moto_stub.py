"""moto_server with the few answers Terraform's AWS provider needs and moto lacks.

Started by scripts/infra/check.sh on a loopback port; everything that is not
patched below goes to moto unchanged.

Patched calls (each one is a gap seen with moto 5.2 and the AWS provider 5.100):

* application-autoscaling ``ListTagsForResource``/``TagResource``/
  ``UntagResource``: not implemented by moto; the provider retries the
  not-implemented answer until its timeout after creating a scalable target.
  The stub keeps the tags itself (from ``RegisterScalableTarget`` and
  ``TagResource``) so a second plan sees the tags it set and shows no change.
* ECS ``CreateService``/``UpdateService``/``DescribeServices``: moto drops
  ``capacityProviderStrategy``, ``enableExecuteCommand``,
  ``enableECSManagedTags``, ``healthCheckGracePeriodSeconds`` and more, and
  reports ``launchType: EC2``. The provider then plans to replace the service
  on every run. The stub remembers what was sent and fills in what moto left
  out, and drops ``launchType`` when a capacity provider strategy is used (as
  ECS does).
* EC2 security group rules that reference another group: moto keeps their
  description on the referenced group entry, not on the rule, so
  ``DescribeSecurityGroupRules`` returns no description and every plan wants
  to set it again. Patched in moto's model below.
* Budgets ``DescribeSubscribersForNotification``: not implemented by moto
  (which keeps the subscribers); the provider retries it until its timeout
  after creating a budget with notifications. Added to moto's responses
  below. Budgets ``TagResource``/``UntagResource``/``ListTagsForResource``:
  not implemented either; the stub keeps the tags (default_tags reach the
  budget).

* ElastiCache replication groups (cluster mode disabled): moto ignores
  ``NumCacheClusters`` (one node whatever is asked), creates no cache cluster
  for the members it lists (the provider reads ``<group>-001`` after creating
  the group, and fails on CacheClusterNotFound), and never removes a deleted
  group (the provider waits for it to go until its timeout). Patched in moto's
  model below: the members asked for, each a cache cluster with the group's
  settings (the provider reads encryption, the AUTH token flag, security
  groups and windows from the primary member), removed with the group.
  ``DeleteCacheSubnetGroup`` is not implemented by moto (the provider
  retries it until its timeout on destroy): added to moto's responses.
* RDS: moto keeps no Performance Insights settings (a second plan turns
  them on again) and stores parameter group parameters without their
  ``Source`` (the provider reads back only ``Source: user`` ones and plans
  to add them again). Patched in moto's model below: the settings kept on
  the instance, the parameters marked ``user``.

Usage: python moto_stub.py PORT
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.budgets.responses import BudgetsResponse
from moto.core.responses import EmptyResult
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.elasticache.models import ElastiCacheBackend
from moto.elasticache.responses import ElastiCacheResponse
from moto.rds.models import DBParameterGroup, RDSBackend
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_AUTOSCALING_PREFIX = "AnyScaleFrontendService."
_ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
_BUDGETS_PREFIX = "AWSBudgetServiceGateway."
# Request fields of CreateService/UpdateService that are not echoed back as such.
_ECS_REQUEST_ONLY = {"clientToken", "cluster", "service", "serviceName", "taskDefinition", "forceNewDeployment", "tags"}

_lock = threading.Lock()
_autoscaling_tags: dict[str, dict[str, str]] = {}
_ecs_services: dict[str, dict[str, Any]] = {}
_budget_tags: dict[str, dict[str, str]] = {}


def _rule_description(self: SecurityGroupRule) -> str | None:
    return self.ip_range.get("Description") or (self.source_group or {}).get("Description")


SecurityGroupRule.description = property(_rule_description)  # type: ignore[method-assign,assignment]

_NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def _describe_subscribers_for_notification(self: BudgetsResponse) -> str:
    budget = self.backend.budgets[self._get_param("AccountId")][self._get_param("BudgetName")]
    wanted = self._get_param("Notification") or {}
    for notification in budget.notifications:
        if all(
            str(notification.details.get(k, "")) == str(wanted.get(k, ""))
            for k in _NOTIFICATION_KEYS
            if k in wanted
        ):
            return json.dumps({"Subscribers": notification.subscribers})
    return json.dumps({"Subscribers": []})


BudgetsResponse.describe_subscribers_for_notification = _describe_subscribers_for_notification  # type: ignore[attr-defined]


_create_replication_group = ElastiCacheBackend.create_replication_group


def _create_replication_group_with_members(self: ElastiCacheBackend, **kwargs: Any) -> Any:
    wanted = kwargs.get("num_cache_clusters")
    if wanted and not kwargs.get("replicas_per_node_group") and not kwargs.get("num_node_groups"):
        kwargs["replicas_per_node_group"] = int(wanted) - 1
    group = _create_replication_group(self, **kwargs)
    for member in group.member_clusters:
        if member not in self.cache_clusters:
            args: dict[str, Any] = dict.fromkeys(_CACHE_CLUSTER_ARGS)
            args |= {k: v for k, v in kwargs.items() if k in args}
            args |= {
                "cache_cluster_id": member,
                "replication_group_id": group.replication_group_id,
                "cache_node_type": kwargs.get("cache_node_type"),
                "engine": kwargs.get("engine") or "redis",
                "engine_version": kwargs.get("engine_version"),
                "cache_subnet_group_name": kwargs.get("cache_subnet_group_name"),
                "security_group_ids": kwargs.get("security_group_ids") or [],
                "port": kwargs.get("port") or 6379,
                "num_cache_nodes": 1,
                "tags": [],
            }
            cluster = self.create_cache_cluster(**args)
            # Read by the provider from the primary member, not from the group.
            cluster.at_rest_encryption_enabled = bool(kwargs.get("at_rest_encryption_enabled"))
            cluster.security_groups = [
                {"SecurityGroupId": sg, "Status": "active"}
                for sg in kwargs.get("security_group_ids") or []
            ]
    return group


def _delete_replication_group_at_once(
    self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None
) -> Any:
    group = _delete_replication_group(self, replication_group_id, retain_primary_cluster)
    for member in [*group.member_clusters, group.primary_cluster_id or ""]:
        self.cache_clusters.pop(member, None)
    self.replication_groups.pop(replication_group_id, None)
    return group


def _delete_cache_subnet_group(self: ElastiCacheResponse) -> EmptyResult:
    self.elasticache_backend.cache_subnet_groups.pop(self._get_param("CacheSubnetGroupName"), None)
    return EmptyResult()


ElastiCacheResponse.delete_cache_subnet_group = _delete_cache_subnet_group  # type: ignore[attr-defined]

_code = ElastiCacheBackend.create_cache_cluster.__code__
_CACHE_CLUSTER_ARGS = list(_code.co_varnames[1 : _code.co_argcount])  # its parameters
_delete_replication_group = ElastiCacheBackend.delete_replication_group
ElastiCacheBackend.create_replication_group = _create_replication_group_with_members  # type: ignore[method-assign,assignment]
ElastiCacheBackend.delete_replication_group = _delete_replication_group_at_once  # type: ignore[method-assign]


_PERFORMANCE_INSIGHTS = {  # request parameter -> DBInstance attribute (response field)
    "enable_performance_insights": "performance_insights_enabled",
    "performance_insights_retention_period": "performance_insights_retention_period",
    "performance_insights_kms_key_id": "performance_insights_kms_key_id",
}
_create_db_instance = RDSBackend.create_db_instance
_modify_db_instance = RDSBackend.modify_db_instance
_update_parameters = DBParameterGroup.update_parameters


def _keep_performance_insights(database: Any, db_kwargs: dict[str, Any]) -> Any:
    for sent, kept in _PERFORMANCE_INSIGHTS.items():
        if db_kwargs.get(sent) is not None:
            setattr(database, kept, db_kwargs[sent])
    return database


def _create_db_instance_with_insights(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
    return _keep_performance_insights(_create_db_instance(self, db_kwargs), db_kwargs)


def _modify_db_instance_with_insights(
    self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]
) -> Any:
    database = _modify_db_instance(self, db_instance_identifier, db_kwargs)
    return _keep_performance_insights(database, db_kwargs)


def _update_user_parameters(
    self: DBParameterGroup, new_parameters: Iterable[dict[str, Any]]
) -> None:
    listed = list(new_parameters)
    _update_parameters(self, listed)
    for parameter in listed:
        self.parameters[parameter["ParameterName"]].setdefault("Source", "user")


RDSBackend.create_db_instance = _create_db_instance_with_insights  # type: ignore[method-assign]
RDSBackend.modify_db_instance = _modify_db_instance_with_insights  # type: ignore[method-assign]
DBParameterGroup.update_parameters = _update_user_parameters  # type: ignore[method-assign]


def _reply(start_response: StartResponse, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _read_body(environ: dict[str, Any]) -> dict[str, Any]:
    """Read the JSON request body and put it back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


def _ecs_key(cluster: str | None, service: str) -> str:
    cluster_name = (cluster or "default").rsplit("/", 1)[-1]
    return f"{cluster_name}/{service.rsplit('/', 1)[-1]}"


def _fill_service(service: dict[str, Any]) -> None:
    key = _ecs_key(service.get("clusterArn"), service.get("serviceName", ""))
    with _lock:
        sent = dict(_ecs_services.get(key, {}))
    for field, value in sent.items():
        if service.get(field) in (None, [], {}) or field in {"enableExecuteCommand", "enableECSManagedTags"}:
            service[field] = value
    if service.get("capacityProviderStrategy"):
        service.pop("launchType", None)


def _autoscaling(app: WsgiApp, environ: dict[str, Any], start_response: StartResponse, op: str) -> Iterable[bytes]:
    body = _read_body(environ)
    if op == "ListTagsForResource":
        with _lock:
            tags = dict(_autoscaling_tags.get(body.get("ResourceARN", ""), {}))
        return _reply(start_response, {"Tags": tags})
    if op == "TagResource":
        with _lock:
            _autoscaling_tags.setdefault(body.get("ResourceARN", ""), {}).update(body.get("Tags") or {})
        return _reply(start_response, {})
    if op == "UntagResource":
        with _lock:
            tags = _autoscaling_tags.setdefault(body.get("ResourceARN", ""), {})
            for k in body.get("TagKeys") or []:
                tags.pop(k, None)
        return _reply(start_response, {})
    # RegisterScalableTarget: let moto answer, then remember the tags it ignores.
    status, headers, data = _call(app, environ)
    if status.startswith("200") and body.get("Tags"):
        arn = json.loads(data or b"{}").get("ScalableTargetARN")
        if arn:
            with _lock:
                _autoscaling_tags[arn] = dict(body["Tags"])
    start_response(status, headers)
    return [data]


def _ecs(app: WsgiApp, environ: dict[str, Any], start_response: StartResponse, op: str) -> Iterable[bytes]:
    body = _read_body(environ)
    if op in {"CreateService", "UpdateService"}:
        name = body.get("serviceName") or body.get("service") or ""
        key = _ecs_key(body.get("cluster"), name)
        with _lock:
            stored = _ecs_services.setdefault(key, {})
            stored.update({k: v for k, v in body.items() if k not in _ECS_REQUEST_ONLY})
    status, headers, data = _call(app, environ)
    if status.startswith("200"):
        parsed = json.loads(data or b"{}")
        for service in ([parsed["service"]] if "service" in parsed else []) + parsed.get("services", []):
            _fill_service(service)
        data = json.dumps(parsed).encode()
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
    start_response(status, headers)
    return [data]


def _budget_tagging(
    app: WsgiApp, environ: dict[str, Any], start_response: StartResponse, op: str
) -> Iterable[bytes]:
    body = _read_body(environ)
    if op == "CreateBudget":  # tags given at creation (ResourceTags), keyed by name
        name = (body.get("Budget") or {}).get("BudgetName", "")
        with _lock:
            _budget_tags[name] = {t["Key"]: t["Value"] for t in body.get("ResourceTags") or []}
        return app(environ, start_response)
    name = body.get("ResourceARN", "").rsplit("budget/", 1)[-1]
    with _lock:
        tags = _budget_tags.setdefault(name, {})
        if op == "TagResource":
            tags.update({t["Key"]: t["Value"] for t in body.get("ResourceTags") or []})
        elif op == "UntagResource":
            for k in body.get("ResourceTagKeys") or []:
                tags.pop(k, None)
        listed = [{"Key": k, "Value": v} for k, v in tags.items()]
    return _reply(start_response, {"ResourceTags": listed} if op == "ListTagsForResource" else {})


def patched(app: WsgiApp) -> WsgiApp:
    """Wrap moto's WSGI app and fill in the answers it lacks."""

    def middleware(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(_AUTOSCALING_PREFIX):
            op = target[len(_AUTOSCALING_PREFIX) :]
            if op in {"ListTagsForResource", "TagResource", "UntagResource", "RegisterScalableTarget"}:
                return _autoscaling(app, environ, start_response, op)
        if target.startswith(_ECS_PREFIX):
            op = target[len(_ECS_PREFIX) :]
            if op in {"CreateService", "UpdateService", "DescribeServices"}:
                return _ecs(app, environ, start_response, op)
        if target.startswith(_BUDGETS_PREFIX):
            op = target[len(_BUDGETS_PREFIX) :]
            if op in {"CreateBudget", "TagResource", "UntagResource", "ListTagsForResource"}:
                return _budget_tagging(app, environ, start_response, op)
        return app(environ, start_response)

    return middleware


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1",
        port,
        patched(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
