;;; switchboard-chat.el --- Chat buffers  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; A chat buffer holds a conversation in Markdown (see
;; switchboard-conversation.el).  You type under the last "## You" and
;; send with C-c RET; the answer streams in under "## Assistant", then
;; a new "## You" waits.  The buffer is an ordinary buffer: C-x C-s
;; saves it as a .md file, and `switchboard-open' makes a saved file a
;; chat again.

;;; Code:

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

(defvar switchboard-chat-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c RET") #'switchboard-send)
    (define-key map (kbd "C-c C-c") #'switchboard-send)
    (define-key map (kbd "C-c C-k") #'switchboard-cancel)
    (define-key map (kbd "C-c C-n") #'switchboard-new-chat)
    (define-key map (kbd "C-c C-f") #'switchboard-add-file)
    (define-key map (kbd "C-c C-i") #'switchboard-add-image)
    (define-key map (kbd "C-c C-s") #'switchboard-select-model)
    map)
  "Keymap of `switchboard-chat-mode'.")

(defvar-local switchboard-chat--model nil
  "The model of this chat's preset, or nil.")

(defvar switchboard-chat--last nil
  "The chat buffer used last.")

(declare-function markdown-mode "ext:markdown-mode")
(declare-function switchboard-add-file "switchboard")
(declare-function switchboard-add-image "switchboard")
(declare-function switchboard-select-model "switchboard")

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

(defun switchboard-send (&optional buffer)
  "Send the input of chat BUFFER, with the conversation before it.
BUFFER defaults to the current buffer when it is a chat, else the chat
used last.  The answer streams in below the input."
  (interactive)
  (let ((buffer (or buffer (if (derived-mode-p 'switchboard-chat-mode) (current-buffer) (switchboard-chat-buffer)))))
    (with-current-buffer buffer
      (when (switchboard-stream-requests buffer)
        (user-error "An answer is still streaming; %s cancels it" (switchboard--cancel-key)))
      (let ((text (buffer-substring-no-properties (point-min) (point-max))))
        (unless (switchboard-conversation-pending text)
          (user-error "Nothing to send: write your message under the last \"## You\""))
        (let* ((messages (switchboard-conversation-messages text default-directory))
               (model (or switchboard-chat--model
                          (and (switchboard-conversation-has-image-p messages) switchboard-vision-model)))
               (marker nil))
          (save-excursion
            (goto-char (point-max))
            (skip-chars-backward " \t\n")
            (delete-region (point) (point-max))
            (insert "\n\n## Assistant\n")
            (setq marker (point-marker)))
          (goto-char marker)
          (dolist (window (get-buffer-window-list buffer nil t))
            (set-window-point window marker))
          (setq switchboard-chat--last buffer)
          (switchboard-stream-start (append (list :messages (vconcat messages)) (and model (list :model model)))
                                    marker
                                    :agent switchboard-tools
                                    :on-end (lambda (outcome) (switchboard-chat--end buffer marker outcome))))))))

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
