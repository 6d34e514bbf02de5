/** Reports people read: the result of a check as data, terminal text, Markdown, HTML, the kernel race diagram. */
export { changeLine, renderCheckText } from './checkText.js';
export { htmlEscape, renderHtml, scriptJson } from './html.js';
export { checkMarkdown, mdFence, mdText, replayMarkdown } from './markdown.js';
export { compactText, eventFootprint, raceDiagram, raceSlice, wrap } from './raceDiagram.js';
export { asResult, FORMATS, render, type Format, type Result } from './render.js';
export { citedLines, renderReplayText } from './replayText.js';
export { ANSI, PLAIN, terminalStyle, type Style } from './style.js';
export { clip, neutralize, neutralizeDeep, neutralizeLine, safeJson } from './safe.js';
export { buildCheckReport, type CheckReport, type ReportStep, type ReportViolation } from './checkReport.js';
