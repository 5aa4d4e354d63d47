"""The errors of 跨城通办, each with a stable code (docs/federation.md lists them)."""

from __future__ import annotations

from tongban.domain.errors import DomainError, NotFound, ValidationFailed


class InvalidNodeDocument(ValidationFailed):
    """A partner's published node document cannot be trusted as given."""

    code = "federation_invalid_node_document"
    template = "节点文件无效：{reason}"


class NodeNotInitialised(DomainError):
    code = "federation_node_not_initialised"
    status = 409
    template = "本节点尚未初始化，请先运行 tongban node init。"


class PartnerNotFound(NotFound):
    code = "federation_partner_not_found"
    template = "没有行政区划代码为 {code} 的信任节点。"


class MessageRefused(DomainError):
    """A received message is not applied; ``code`` says why (one subclass per reason)."""

    code = "federation_message_refused"
    status = 422
    template = "消息被拒收。"


class MalformedMessage(MessageRefused):
    code = "federation_malformed"
    template = "消息格式不正确：{reason}"


class WrongReceiver(MessageRefused):
    code = "federation_wrong_receiver"
    template = "消息的接收方 {receiver} 不是本节点。"


class UntrustedSender(MessageRefused):
    code = "federation_untrusted_sender"
    status = 403
    template = "发送方 {sender} 不是本节点信任的节点。"


class BadSignature(MessageRefused):
    code = "federation_bad_signature"
    status = 403
    template = "消息签名无效。"


class ItemNotAccepted(MessageRefused):
    code = "federation_item_not_accepted"
    status = 403
    template = "事项 {item} 不在与 {sender} 约定的跨城通办事项之内。"


class MessageExpired(MessageRefused):
    code = "federation_expired"
    template = "消息已过期（有效期至 {expires_at}）。"


class MessageReplayed(MessageRefused):
    code = "federation_replayed"
    status = 409
    template = "消息 {message_id} 已处理过，不再重复处理。"


class OutOfSequence(MessageRefused):
    code = "federation_out_of_sequence"
    status = 409
    template = "办件 {case_ref} 的消息序号应为 {expected}，收到 {got}。"


class CannotApply(MessageRefused):
    """A well-formed, trusted message this node cannot act on (its case is unknown here, or
    in no state to take it): refused, for a person on the sending side to resolve."""

    code = "federation_cannot_apply"
    template = "消息无法处理：{reason}"


class MaterialMismatch(MessageRefused):
    code = "federation_material_mismatch"
    template = "材料“{name}”的内容与其 SHA-256 不符。"


class NotOffered(ValidationFailed):
    """The window cannot accept this item for that partner."""

    code = "federation_item_not_offered"
    template = "{partner} 未委托本节点受理事项 {item}。"


class HandoverIncomplete(ValidationFailed):
    code = "federation_handover_incomplete"
    template = "不能移交：{reason}"


class FederatedCaseNotFound(NotFound):
    code = "federation_case_not_found"
    template = "没有编号为 {case_ref} 的跨城通办办件。"


class RefusalNotFound(NotFound):
    code = "federation_refusal_not_found"
    template = "没有待处理的被拒消息 {message_id}。"


class HandoverClosed(DomainError):
    code = "federation_handover_closed"
    status = 409
    template = "办件 {case_ref} 当前状态为“{status}”，不能{action}。"


class LicenceInvalid(MessageRefused):
    """The e-licence a result carries does not check out with the sender's licence keys (a bad
    signature, an unknown key, not a licence, not the result's reference)."""

    code = "federation_licence_invalid"
    template = "结果电子证照核验未通过：{reason}"


class LicenceWrongIssuer(MessageRefused):
    code = "federation_licence_wrong_issuer"
    template = "结果电子证照不是发送节点签发的（签发者为 {issuer}）。"


class LicenceWrongHolder(MessageRefused):
    code = "federation_licence_wrong_holder"
    template = "结果电子证照的持证人不是办件 {case_ref} 的申请人。"


class LicenceRevoked(MessageRefused):
    code = "federation_licence_revoked"
    template = "结果电子证照 {licence_id} 在签发地的注销证照清单中。"
