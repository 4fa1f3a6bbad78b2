;;; switchboard-stream.el --- Answers streamed into buffers  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; A streamed `chat.complete' writes its answer at a marker, as the
;; pieces arrive, without blocking Emacs.  Windows whose point was at
;; the answer's end follow it.  While answers stream, the mode line
;; shows it, with the key that cancels them.

;;; Code:

(require 'switchboard-rpc)

(defcustom switchboard-model nil
  "Model for chat requests.
nil lets the daemon use its `default_model'.  Set it interactively with
`switchboard-select-model'."
  :type '(choice (const :tag "Daemon's default" nil) string)
  :group 'switchboard)

(defcustom switchboard-profile nil
  "Configuration profile named in every request, or nil for the default.
Profiles are defined in the daemon's configuration.  Set it interactively
with `switchboard-select-profile'."
  :type '(choice (const :tag "Daemon's default" nil) string)
  :group 'switchboard)

(defcustom switchboard-tools 'auto
  "Whether chats run through the daemon's `agent.run', and with which editor tools.
t: they do, offering the editor's own tools (read_file, list_files,
search, propose_edit; see switchboard-tools.el) and the tools of the
daemon's MCP servers; a list of editor tool names: they do, offering
those (and the MCP tools); nil: never; `auto': when the daemon has MCP
servers (its tools.list, asked once per daemon), offering all editor
tools.  Each call is recorded in the answer (\"> [tool] NAME … STATUS\"),
and a call of an MCP server without `trust' is asked for
\(`switchboard-approve-function')."
  :type '(choice (const :tag "When the daemon has MCP servers" auto)
                 (const :tag "Always, with every editor tool" t)
                 (const :tag "Never" nil)
                 (repeat :tag "Always, with these editor tools" string))
  :group 'switchboard)

(defvar switchboard-last-outcome nil
  "How the last answer ended.
A plist (:outcome done|cancelled|error :text :result :error).")

(defun switchboard--cancel-key ()
  "The key that runs `switchboard-cancel' here, for messages."
  (substitute-command-keys "\\[switchboard-cancel]"))

(defun switchboard--mode-line ()
  "The mode line's busy note while answers stream, else nil."
  (when (switchboard-busy-p)
    (format " [switchboard: answering, %s cancels]" (switchboard--cancel-key))))

(defvar switchboard--mode-line-entry '(:eval (switchboard--mode-line))
  "The entry of `global-mode-string' that shows `switchboard--mode-line'.")

(defun switchboard--show-busy (busy)
  "Show the busy note in every mode line when BUSY, else remove it."
  (if busy
      (progn
        (unless (listp global-mode-string) (setq global-mode-string (list global-mode-string)))
        (add-to-list 'global-mode-string switchboard--mode-line-entry t))
    (setq global-mode-string (delete switchboard--mode-line-entry global-mode-string)))
  (force-mode-line-update t))

(defun switchboard-stream-insert (marker text &optional face)
  "Insert TEXT (in FACE, if non-nil) at MARKER, which moves past it.
Windows whose point was at MARKER, and the buffer's point when it was
there, follow the text."
  (let ((buffer (marker-buffer marker)))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer
        (let* ((inhibit-read-only t)
               (position (marker-position marker))
               (point-follows (= (point) position))
               (windows (seq-filter (lambda (window) (= (window-point window) position))
                                    (get-buffer-window-list buffer nil t))))
          (save-excursion
            (goto-char position)
            (insert (if face (propertize text 'font-lock-face face) text))
            (set-marker marker (point)))
          (when point-follows (goto-char marker))
          (dolist (window windows) (set-window-point window marker)))))))

(defun switchboard--request-params (params)
  "PARAMS of a streamed chat request, with the model and profile."
  (append (list :stream t)
          (and switchboard-model (not (plist-member params :model)) (list :model switchboard-model))
          (and switchboard-profile (list :profile switchboard-profile))
          params))

(defun switchboard--one-line (value width)
  "VALUE (a string, or JSON) on one line, at most WIDTH characters."
  (let ((text (replace-regexp-in-string
               "[ \t]*\n[ \t]*" " " (if (stringp value) value (json-encode value)))))
    (truncate-string-to-width text width nil nil "…")))

(defun switchboard-tool-record (call)
  "The lines recording tool CALL (a tool.call's params) in an answer."
  (let ((lines (list (format "> [tool] %s … %s" (plist-get call :name) (plist-get call :status))))
        (result (plist-get call :result)))
    (when (plist-member call :arguments)
      (push (concat ">   arguments: " (switchboard--one-line (plist-get call :arguments) 300)) lines))
    (when (stringp result)
      (let ((result-lines (split-string (string-trim result) "\n")))
        (if (null (cdr result-lines))
            (push (concat ">   result: " (switchboard--one-line (car result-lines) 300)) lines)
          (push ">   result:" lines)
          (dolist (line (seq-take result-lines 12))
            (push (concat ">     " (switchboard--one-line line 200)) lines))
          (when (> (length result-lines) 12)
            (push (format ">     … (%d more lines)" (- (length result-lines) 12)) lines)))))
    (nreverse lines)))

(defun switchboard--record-tool-call (marker calls call)
  "Write the record of CALL at MARKER, or rewrite it; CALLS maps ids to records.
CALLS is a hash table: call id to (START . END) markers of its record."
  (let* ((buffer (marker-buffer marker))
         (text (concat (string-join (switchboard-tool-record call) "\n") "\n"))
         (known (gethash (plist-get call :call_id) calls)))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer
        (let ((inhibit-read-only t))
          (if known
              (let* ((position (marker-position marker))
                     (point-follows (= (point) position))
                     (windows (seq-filter (lambda (window) (= (window-point window) position))
                                          (get-buffer-window-list buffer nil t))))
                (save-excursion
                  (goto-char (car known))
                  (delete-region (car known) (cdr known))
                  (insert text)
                  (set-marker (cdr known) (point)))
                ;; the rewrite must not pull back a point that followed the answer
                (when point-follows (goto-char marker))
                (dolist (window windows) (set-window-point window marker)))
            (unless (save-excursion (goto-char marker) (bolp))
              (switchboard-stream-insert marker "\n"))
            (let ((start (copy-marker marker)))
              (switchboard-stream-insert marker text)
              (puthash (plist-get call :call_id) (cons start (copy-marker marker)) calls))))))))

(cl-defun switchboard-stream-start (params marker &key undo on-insert before-end on-end agent)
  "Send `chat.complete' with PARAMS, streamed, the answer going to MARKER.
With AGENT non-nil, send `agent.run' instead: each tool call is recorded
in the answer (see `switchboard-tool-record'), rewritten as it goes.
With UNDO non-nil, the answer is one undo step in MARKER's buffer.
ON-INSERT is called after each piece went in.  ON-END is called with
the outcome, a plist (:outcome done|cancelled|error :text :result
:error), once the request has ended; BEFORE-END is called with it
just before, while its changes still join the answer's undo step.
Return the request."
  (let* ((buffer (marker-buffer marker))
         (group (and undo (prepare-change-group buffer)))
         (pieces nil)
         (calls (make-hash-table :test 'equal))
         (request (switchboard-request-create)))
    (set-marker-insertion-type marker t)
    (when group (activate-change-group group))
    (cl-flet ((finish (outcome)
                (setq outcome (append outcome (list :text (apply #'concat (reverse pieces))))
                      switchboard-last-outcome outcome)
                (when (and before-end (buffer-live-p buffer))
                  (with-current-buffer buffer (funcall before-end outcome)))
                (when group
                  (with-current-buffer buffer
                    (undo-amalgamate-change-group group)
                    (accept-change-group group)))
                (switchboard--show-busy (switchboard-busy-p))
                (when on-end (funcall on-end outcome))))
      (setf (switchboard-request-on-delta request)
            (lambda (delta)
              (let ((content (plist-get (plist-get delta :delta) :content)))
                (when (and (memq (plist-get delta :index) '(0 nil)) (stringp content) (not (string-empty-p content)))
                  (push content pieces)
                  (switchboard-stream-insert marker content)
                  (when on-insert (funcall on-insert))))))
      (setf (switchboard-request-on-tool-call request)
            (lambda (call) (switchboard--record-tool-call marker calls call)))
      (switchboard-rpc-send
       (switchboard-rpc-connection) request (if agent 'agent.run 'chat.complete) (switchboard--request-params params)
       :on-result (lambda (result)
                    (let ((text (switchboard-result-text result)))
                      (when (and (null pieces) (stringp text))
                        (push text pieces)
                        (switchboard-stream-insert marker text)))
                    (finish (list :outcome 'done :result result)))
       :on-error (lambda (error)
                   (if (eql (plist-get error :code) -32800)
                       (finish (list :outcome 'cancelled :error error))
                     (message "switchboard: %s" (switchboard-error-text error))
                     (finish (list :outcome 'error :error error)))))
      (setf (switchboard-request-data request) (list :buffer buffer :marker marker))
      (switchboard--show-busy t)
      request)))

(defun switchboard-result-text (result)
  "The answer's text in RESULT, a chat.completion."
  (let ((choices (plist-get result :choices)))
    (and (vectorp choices) (> (length choices) 0)
         (plist-get (plist-get (aref choices 0) :message) :content))))

(defun switchboard-stream-requests (&optional buffer)
  "The requests in flight (writing into BUFFER only, when non-nil)."
  (seq-filter (lambda (request)
                (or (null buffer) (eq buffer (plist-get (switchboard-request-data request) :buffer))))
              (switchboard-rpc-requests)))

(defun switchboard-cancel (&optional buffer)
  "Cancel the answers in flight: those streaming into BUFFER, if non-nil.
Interactively, in a buffer that receives an answer, that answer; else all.
Each answer keeps its text so far."
  (interactive (list (and (switchboard-stream-requests (current-buffer)) (current-buffer))))
  (let ((requests (switchboard-stream-requests buffer)))
    (if (null requests)
        (message "switchboard: nothing to cancel")
      (switchboard-rpc-cancel requests)
      (message "switchboard: cancelling %d request%s" (length requests) (if (cdr requests) "s" "")))))

(provide 'switchboard-stream)
;;; switchboard-stream.el ends here
