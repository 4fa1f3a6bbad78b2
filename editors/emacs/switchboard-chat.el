;;; switchboard-chat.el --- Chat buffers  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; A chat buffer holds a conversation in Markdown (see
;; switchboard-conversation.el).  You type under the last "## You" and
;; send with C-c RET; the answer streams in under "## Assistant", then
;; a new "## You" waits.  The buffer is an ordinary buffer: C-x C-s
;; saves it as a .md file, and `switchboard-open' makes a saved file a
;; chat again.  With `switchboard-store', a chat is also a conversation
;; of the daemon's store, which `switchboard-history' reopens; the
;; tokens each answer used show on its heading; `switchboard-retry'
;; asks the last question again.

;;; Code:

(require 'switchboard-agent)
(require 'switchboard-conversation)
(require 'switchboard-stream)

(defcustom switchboard-system-prompt nil
  "System prompt of a new chat without a preset, or nil for none."
  :type '(choice (const :tag "None" nil) string)
  :group 'switchboard)

(defcustom switchboard-vision-model nil
  "Model for a chat whose conversation holds an image.
nil: `switchboard-model'."
  :type '(choice (const :tag "The chat model" nil) string)
  :group 'switchboard)

(defcustom switchboard-presets
  '(("coder" :system "You are an expert programmer. Answer concisely. Put code in fenced blocks that name the language.")
    ("reviewer" :system "You review code. List concrete problems, bugs first, each with where it is and how to fix it."))
  "Named presets (roles) for `switchboard-new-chat'.
Each is (NAME :system PROMPT [:model MODEL])."
  :type '(alist :key-type string :value-type (plist :key-type symbol :value-type string))
  :group 'switchboard)

(defcustom switchboard-buffer-name "*switchboard*"
  "Name of the first chat buffer (later ones get <2>, <3>, ...)."
  :type 'string
  :group 'switchboard)

(defcustom switchboard-store t
  "Non-nil: chats are kept in the daemon's conversation store.
Each chat sends `conversation_id' (\"new\", then the id the daemon gave
it), so that `switchboard-history' reopens it, here or in another
editor."
  :type 'boolean
  :group 'switchboard)

(defface switchboard-usage '((t :inherit shadow))
  "Face of the tokens used, shown after an answer's heading."
  :group 'switchboard)

(defvar switchboard-chat-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c RET") #'switchboard-send)
    (define-key map (kbd "C-c C-c") #'switchboard-send)
    (define-key map (kbd "C-c C-k") #'switchboard-cancel)
    (define-key map (kbd "C-c C-n") #'switchboard-new-chat)
    (define-key map (kbd "C-c C-f") #'switchboard-add-file)
    (define-key map (kbd "C-c C-i") #'switchboard-add-image)
    (define-key map (kbd "C-c C-s") #'switchboard-select-model)
    (define-key map (kbd "C-c C-r") #'switchboard-retry)
    (define-key map (kbd "C-c C-h") #'switchboard-history)
    map)
  "Keymap of `switchboard-chat-mode'.")

(defvar-local switchboard-chat--model nil
  "The model of this chat's preset, or nil.")

(defvar-local switchboard-chat-conversation-id nil
  "The stored conversation this chat continues, or nil.")

(defvar switchboard-chat--last nil
  "The chat buffer used last.")

(defvar switchboard-chat--store-unusable nil
  "Non-nil once the daemon said its store cannot be used (-32008).")

(declare-function markdown-mode "ext:markdown-mode")
(declare-function switchboard-add-file "switchboard")
(declare-function switchboard-add-image "switchboard")
(declare-function switchboard-select-model "switchboard")
(declare-function switchboard-history "switchboard-history")

(defalias 'switchboard--parent-mode
  (if (fboundp 'markdown-mode) #'markdown-mode #'text-mode)
  "The mode `switchboard-chat-mode' derives from: `markdown-mode' when installed.")

(define-derived-mode switchboard-chat-mode switchboard--parent-mode "Switchboard"
  "Major mode of chat buffers: type under the last \"## You\", send with \\[switchboard-send].
The answer streams in under \"## Assistant\".

\\{switchboard-chat-mode-map}"
  (visual-line-mode 1)
  ;; C-x C-w keeps the chat a chat whatever the file's name
  (setq-local change-major-mode-with-file-name nil)
  (setq mode-line-process '(:eval (and (switchboard-stream-requests (current-buffer)) ":answering")))
  ;; a chat killed while it answers stops its answer
  (add-hook 'kill-buffer-hook #'switchboard-chat--cancel-on-kill nil t)
  (setq switchboard-chat--last (current-buffer)))

;;;###autoload
(defun switchboard-new-chat (&optional preset)
  "Start a new chat buffer, with the system prompt of PRESET if non-nil.
Interactively, with a prefix argument, PRESET is read.  Return the buffer."
  (interactive (list (and current-prefix-arg
                          (completing-read "Preset: " switchboard-presets nil t))))
  (let* ((settings (cdr (assoc preset switchboard-presets)))
         (buffer (generate-new-buffer switchboard-buffer-name)))
    (when (and preset (not settings))
      (user-error "No preset %S (see `switchboard-presets')" preset))
    (with-current-buffer buffer
      (switchboard-chat-mode)
      (setq switchboard-chat--model (plist-get settings :model))
      (insert (switchboard-conversation-new (or (plist-get settings :system) switchboard-system-prompt))))
    (when (called-interactively-p 'interactive)
      (pop-to-buffer buffer))
    buffer))

(defun switchboard-chat-buffer ()
  "The chat buffer used last, or a new one."
  (if (and (buffer-live-p switchboard-chat--last)
           (with-current-buffer switchboard-chat--last (derived-mode-p 'switchboard-chat-mode)))
      switchboard-chat--last
    (switchboard-new-chat)))

(defun switchboard-chat--ensure-input (buffer)
  "Make sure BUFFER ends with a \"## You\" block (the input)."
  (with-current-buffer buffer
    (let ((last (car (last (switchboard-conversation-blocks
                            (buffer-substring-no-properties (point-min) (point-max)))))))
      (unless (equal (car last) "user")
        (save-excursion
          (goto-char (point-max))
          (insert (cond ((bobp) "") ((bolp) "\n") (t "\n\n")) "## You\n"))))))

(defun switchboard-chat-add (text &optional buffer)
  "Append TEXT to the input of chat BUFFER (default: the chat), and show it."
  (let ((buffer (or buffer (switchboard-chat-buffer))))
    (switchboard-chat--ensure-input buffer)
    (with-current-buffer buffer
      (save-excursion
        (goto-char (point-max))
        (insert (if (bolp) "" "\n") text "\n")))
    (display-buffer buffer)
    buffer))

(defun switchboard-chat--cancel-on-kill ()
  "Cancel the answer streaming into the chat being killed, if any."
  (when (switchboard-stream-requests (current-buffer))
    (switchboard-cancel (current-buffer))))

(defun switchboard-chat-note (outcome)
  "The note that ends an answer with OUTCOME, or nil when it finished.
OUTCOME is a plist (:outcome done|cancelled|error :result :error)."
  (pcase (plist-get outcome :outcome)
    ('cancelled switchboard-conversation-cancelled)
    ('error (let ((error (plist-get outcome :error)))
              (format "[error%s: %s]"
                      (if (plist-get error :code) (format " %s" (plist-get error :code)) "")
                      (replace-regexp-in-string "[ \t]*\n[ \t]*" " " (or (plist-get error :message) "")))))
    (_ (let* ((choices (plist-get (plist-get outcome :result) :choices))
              (choice (and (sequencep choices) (> (length choices) 0) (elt choices 0))))
         (and (equal (plist-get choice :finish_reason) "length") switchboard-conversation-cut-off)))))

(defun switchboard-chat--end (buffer marker outcome)
  "End the answer at MARKER in BUFFER after OUTCOME; a new input waits.
A fence the answer left open is closed, then the note of OUTCOME
\(cancelled, cut off, error) follows."
  (when (buffer-live-p buffer)
    (let* ((note (switchboard-chat-note outcome))
           (fence (switchboard-conversation-open-fence (or (plist-get outcome :text) "")))
           (closing (delq nil (list fence note))))
      (switchboard-stream-insert marker (concat (if (with-current-buffer buffer
                                                      (save-excursion (goto-char marker) (bolp)))
                                                    "" "\n")
                                                (string-join closing "\n")))
      (switchboard-stream-insert marker (concat (if closing "\n" "") "\n## You\n")))))

(defun switchboard-chat-storing-p ()
  "Non-nil when chats are stored (`switchboard-store', unless the daemon cannot)."
  (and switchboard-store (not switchboard-chat--store-unusable)))

(defun switchboard-chat-usage-note (usage)
  "The tokens of USAGE (a plist) as a short note, or nil."
  (when-let ((total (plist-get usage :total_tokens)))
    (format "%d tokens (%d in, %d out)" total
            (or (plist-get usage :prompt_tokens) 0) (or (plist-get usage :completion_tokens) 0))))

(defun switchboard-chat--show-usage (heading usage)
  "Show the tokens of USAGE at the end of the heading line at marker HEADING."
  (when-let ((note (switchboard-chat-usage-note usage)))
    (with-current-buffer (marker-buffer heading)
      (save-excursion
        (goto-char heading)
        (let ((overlay (make-overlay (line-end-position) (line-end-position))))
          (overlay-put overlay 'switchboard-usage usage)
          (overlay-put overlay 'after-string (propertize (concat "  " note) 'face 'switchboard-usage)))))))

(defun switchboard-chat--after-turn (buffer heading outcome)
  "Keep what the turn of chat BUFFER with OUTCOME tells.
The conversation id the daemon gave it, its usage on the heading at
marker HEADING; when the daemon cannot use its store, that is noted
once and the question asked again, unstored.  Return non-nil then."
  (let* ((error (plist-get outcome :error))
         (result (or (plist-get outcome :result) (plist-get (plist-get error :data) :partial)))
         (id (plist-get result :conversation_id)))
    (with-current-buffer buffer
      (when (stringp id)
        (setq switchboard-chat-conversation-id id)))
    (switchboard-chat--show-usage heading (plist-get result :usage))
    (when (and (eql (plist-get error :code) -32008) (not switchboard-chat--store-unusable))
      (setq switchboard-chat--store-unusable t)
      (message "switchboard: the conversation store cannot be used (%s): chats are not stored this session"
               (plist-get error :message))
      (run-at-time 0 nil #'switchboard-retry buffer)
      t)))

(defun switchboard-chat--changed (id)
  "Tell the chats continuing conversation ID that it changed elsewhere."
  (dolist (buffer (buffer-list))
    (when (equal (buffer-local-value 'switchboard-chat-conversation-id buffer) id)
      (message "switchboard: %s: its conversation changed elsewhere (another editor or script); `switchboard-history' opens it as it is now"
               (buffer-name buffer)))))

(add-hook 'switchboard-conversation-changed-functions #'switchboard-chat--changed)

(defun switchboard-send (&optional buffer)
  "Send the input of chat BUFFER, with the conversation before it.
BUFFER defaults to the current buffer when it is a chat, else the chat
used last.  The answer streams in below the input; through `agent.run'
per `switchboard-tools'.  A chat continuing a stored conversation sends
only its input: the daemon holds the rest."
  (interactive)
  (let ((buffer (or buffer (if (derived-mode-p 'switchboard-chat-mode) (current-buffer) (switchboard-chat-buffer)))))
    (with-current-buffer buffer
      (when (switchboard-stream-requests buffer)
        (user-error "An answer is still streaming; %s cancels it" (switchboard--cancel-key)))
      (unless (switchboard-conversation-pending (buffer-substring-no-properties (point-min) (point-max)))
        (user-error "Nothing to send: write your message under the last \"## You\""))
      (let ((deciding (switchboard-agent-decide
                       (lambda (agent)
                         (when (buffer-live-p buffer)
                           (switchboard-chat--send-now buffer agent))))))
        (when deciding
          (setf (switchboard-request-data deciding) (list :buffer buffer)))))))

(defun switchboard-chat--send-now (buffer agent)
  "Send the input of chat BUFFER now; through `agent.run' when AGENT."
  (with-current-buffer buffer
    (let ((text (buffer-substring-no-properties (point-min) (point-max))))
      (when (switchboard-conversation-pending text)
        (let* ((messages (switchboard-conversation-messages text default-directory))
               (model (or switchboard-chat--model
                          (and (switchboard-conversation-has-image-p messages) switchboard-vision-model)))
               (params nil)
               (heading nil)
               (marker nil))
          (when (switchboard-chat-storing-p)
            (setq params (list :conversation_id (or switchboard-chat-conversation-id "new")))
            (when switchboard-chat-conversation-id
              (setq messages (last messages))))
          (when agent
            (let ((tools (switchboard-agent-offered)))
              (when (> (length tools) 0)
                (setq params (append params (list :tools tools))))))
          (save-excursion
            (goto-char (point-max))
            (skip-chars-backward " \t\n")
            (delete-region (point) (point-max))
            (insert "\n\n")
            (setq heading (point-marker))
            (insert "## Assistant\n")
            (setq marker (point-marker)))
          (goto-char marker)
          (dolist (window (get-buffer-window-list buffer nil t))
            (set-window-point window marker))
          (setq switchboard-chat--last buffer)
          (switchboard-stream-start (append (list :messages (vconcat messages)) (and model (list :model model)) params)
                                    marker
                                    :agent agent
                                    :on-end (lambda (outcome)
                                              (when (buffer-live-p buffer)
                                                (switchboard-chat--after-turn buffer heading outcome)
                                                (switchboard-chat--end buffer marker outcome)))))))))

(defun switchboard-retry (&optional buffer)
  "Ask the last question of chat BUFFER again (default: this chat, or the last).
Its answer (failed, cancelled, cut off or not) is removed and the
question sent anew, in a new stored conversation (the stored one keeps
the old answer)."
  (interactive)
  (let ((buffer (or buffer (if (derived-mode-p 'switchboard-chat-mode) (current-buffer) (switchboard-chat-buffer)))))
    (with-current-buffer buffer
      (when (switchboard-stream-requests buffer)
        (user-error "An answer is still streaming"))
      (let* ((blocks (switchboard-conversation-blocks (buffer-substring-no-properties (point-min) (point-max))))
             (last (car (last blocks))))
        (when (and (equal (nth 0 last) "user") (null (switchboard-conversation--trim (nth 1 last))))
          (setq last (car (last blocks 2))))
        (unless (equal (nth 0 last) "assistant")
          (user-error "Nothing to retry: the chat does not end with an answer"))
        (let ((start (+ (point-min) (nth 2 last))))
          (dolist (overlay (overlays-in start (point-max)))
            (when (overlay-get overlay 'switchboard-usage)
              (delete-overlay overlay)))
          (delete-region start (point-max)))
        (setq switchboard-chat-conversation-id nil)
        (switchboard-send buffer)))))

;;;###autoload
(defun switchboard-open (file)
  "Visit FILE, a saved conversation, as a chat buffer."
  (interactive "fConversation: ")
  (with-current-buffer (find-file-noselect file)
    (switchboard-chat-mode)
    (pop-to-buffer (current-buffer))
    ;; the input is at the end
    (goto-char (point-max))
    (current-buffer)))

(provide 'switchboard-chat)
;;; switchboard-chat.el ends here
