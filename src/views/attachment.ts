// Files in the thread (an image thumbnail, a voice message's player, a file's card) and the
// composer's controls for sending them. assets/attachments.js does the uploading and recording.
import { type AttachmentKind, type AttachmentMeta, acceptedKinds, attachmentKinds, attachmentMetaOf, megabytes } from "../domain/attachments";
import type { Business } from "../domain/businesses";
import { attachmentLimits } from "../domain/limits";
import type { Message } from "../domain/messages";
import type { Translate } from "../i18n";
import type { FieldErrors } from "./form";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";


export type UploadRules = Pick<Business, "uploadMaxBytes" | "uploadKinds">;

/** Where each side fetches a file: the visitor's under their chat path, where their cookie goes. */
export function attachmentUrl(meta: Pick<AttachmentMeta, "attachmentId" | "widgetKey">, audience: "visitor" | "agent"): string {
  return audience === "visitor"
    ? `/chat/${encodeURIComponent(meta.widgetKey)}/attachments/${meta.attachmentId}`
    : `/console/attachments/${meta.attachmentId}`;
}

/** "12 bytes", "340 KB", "1.2 MB". */
export function humanSize(t: Translate, bytes: number): string {
  if (bytes < 1024) return t("attachment.bytes", { size: bytes });
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** "images, PDF and text files" as a list in the reader's language. */
export function kindList(t: Translate, kinds: readonly AttachmentKind[]): string {
  return kinds.length ? kinds.map((kind) => t(`attachment.kind.${kind}`)).join(t("attachment.listSeparator")) : t("attachment.none");
}

export function isAttachmentMessage(message: Pick<Message, "kind" | "meta">): boolean {
  return (message.kind === "image" || message.kind === "audio" || message.kind === "file") && attachmentMetaOf(message.meta) !== null;
}

/** The inside of an attachment message's bubble. */
export function attachmentView(t: Translate, message: Pick<Message, "kind" | "meta">, audience: "visitor" | "agent"): SafeHtml {
  const meta = attachmentMetaOf(message.meta)!;
  const url = attachmentUrl(meta, audience);
  if (message.kind === "image") {
    // A new tab without script; attachments.js opens it in a dialog instead.
    return html`<a class="attachment-image" href="${url}" target="_blank" rel="noopener" title="${t("attachment.openImage")}"><img src="${url}" alt="${meta.name}" loading="lazy"></a>`;
  }
  if (message.kind === "audio") {
    return html`<audio class="attachment-audio" controls preload="metadata" src="${url}" title="${t("attachment.voice")}" aria-label="${t("attachment.voice")}"></audio>`;
  }
  return html`<a class="attachment-file" href="${url}" download="${meta.name}" title="${t("attachment.download")}">
  ${icon("file-text")}<span class="attachment-file-text"><span class="attachment-name">${meta.name}</span><small>${humanSize(t, meta.size)}</small></span>${icon("download")}
</a>`;
}

/**
 * Attach and record buttons, the hidden file input, and the line that shows a recording or a
 * refusal; nothing when the business takes no files. The texts attachments.js needs come in a
 * <template>, in the page's language.
 */
export function attachmentControls(t: Translate, rules: UploadRules | undefined): SafeHtml {
  const kinds = rules ? acceptedKinds(rules) : [];
  if (!rules || kinds.length === 0) return html``;
  return html`<input type="file" id="attach-input" class="visually-hidden" multiple tabindex="-1" aria-hidden="true">
  <button type="button" class="icon-button composer-tool" id="attach-button" title="${t("attachment.attach")}" aria-label="${t("attachment.attach")}">${icon("paperclip")}</button>
  ${kinds.includes("audio") ? html`<button type="button" class="icon-button composer-tool" id="record-button" title="${t("attachment.record")}" aria-label="${t("attachment.record")}">${icon("mic")}</button>` : ""}
  <template id="attachment-texts" data-max-bytes="${rules.uploadMaxBytes}" data-voice-seconds="${attachmentLimits.voiceSeconds}"
    data-too-large="${t("attachment.tooLarge", { size: "{size}", max: "{max}" })}" data-failed="${t("attachment.failed")}" data-network="${t("attachment.networkError")}"
    data-uploading="${t("attachment.uploading")}" data-cancel-upload="${t("attachment.cancelUpload")}" data-dismiss="${t("attachment.dismiss")}" data-retry="${t("attachment.retry")}"
    data-recording="${t("attachment.recording", { time: "{time}" })}" data-stop="${t("attachment.stopAndSend")}" data-cancel="${t("attachment.cancel")}"
    data-mic-denied="${t("attachment.micDenied")}" data-unsupported="${t("attachment.recordUnsupported")}" data-drop="${t("attachment.dropHere")}" data-close="${t("attachment.close")}"></template>`;
}

/** Above the composer: the recording in progress, or why a file was refused before it left. */
export function composerStatus(): SafeHtml {
  return html`<div id="composer-status" class="composer-status" role="status" aria-live="polite" hidden></div>`;
}

// ---- the settings section (views/settings.ts places it) ----

/** The largest file in megabytes and a checkbox per kind, with what was typed after a refusal. */
export function uploadRulesInput(t: Translate, business: UploadRules, typed: { uploadMaxMb?: string; uploadKinds?: string[]; errors?: FieldErrors }): SafeHtml {
  const errors = typed.errors ?? {};
  const kinds = typed.uploadKinds ?? business.uploadKinds;
  const problem = (name: string) => {
    const found = errors[name];
    return found ? html`<p class="field-error" id="error-${name}">${t(found.key, found.params)}</p>` : "";
  };
  return html`<input id="field-uploadRules" name="uploadMaxMb" type="number" inputmode="numeric" min="${attachmentLimits.minMegabytes}" max="${attachmentLimits.maxMegabytes}" step="1" required
    value="${typed.uploadMaxMb ?? megabytes(business.uploadMaxBytes)}" ${errors.uploadMaxMb ? html`aria-invalid="true" aria-describedby="error-uploadMaxMb"` : ""}>
  ${problem("uploadMaxMb")}
  <fieldset class="upload-kinds"><legend>${t("attachment.kinds")}</legend>
    ${attachmentKinds.map((kind) => html`<label class="check"><input type="checkbox" name="uploadKinds" value="${kind}" ${kinds.includes(kind) ? html`checked` : ""}> ${t(`attachment.kind.${kind}`)}</label>`)}
    ${problem("uploadKinds")}
  </fieldset>`;
}
