;;; switchboard.el --- Chat, rewrite and ask through the Switchboard daemon  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors
;; SPDX-License-Identifier: Apache-2.0

;; Author: The Switchboard authors
;; Version: 0.2.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.14"))
;; Keywords: tools, convenience, comm

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Switchboard is a daemon that relays an OpenAI-compatible API over
;; JSON-RPC 2.0 on stdin/stdout.  This package starts it as a
;; subprocess and offers, none of them blocking Emacs:
;;
;;   chat buffers      `switchboard-chat', `switchboard-new-chat': type
;;                     under "## You", C-c RET sends, C-c C-k cancels;
;;                     C-x C-s saves the conversation as Markdown and
;;                     `switchboard-open' continues a saved one
;;   rewrite           `switchboard-rewrite': the region per an
;;                     instruction, shown as an inline diff to accept
;;                     (C-c C-c) or reject (C-c C-k)
;;   ask at point      `switchboard-insert': the answer shows at point as it
;;                     streams, then goes in as one undo step
;;   history           `switchboard-history': continue a stored conversation
;;                     (from any editor); `switchboard-retry' asks again
;;   tools             `switchboard-tools': the model reads, lists, searches
;;                     the project and proposes edits (switchboard-tools.el)
;;   context           `switchboard-add-region', `-add-buffer', `-add-file',
;;                     `-add-image' put them in the chat's input
;;   settings          `switchboard-select-model', `-select-profile',
;;                     `switchboard-health', `switchboard-restart'
;;
;; Bind the prefix map, for example:
;;   (keymap-global-set "C-c a" 'switchboard-command-map)      ; Emacs 29
;;   (global-set-key (kbd "C-c a") 'switchboard-command-map)   ; Emacs 28

;;; Code:

(require 'switchboard-rpc)
(require 'switchboard-stream)
(require 'switchboard-chat)
(require 'switchboard-rewrite)
(require 'switchboard-history)

(defconst switchboard-version "0.2.0"
  "Version of switchboard.el.")

(defcustom switchboard-insert-prompt
  "Your answer is inserted into the file at the cursor. Reply with the text to insert only: no explanation, no code fences."
  "The system prompt of `switchboard-insert'."
  :type 'string
  :group 'switchboard)

(defvar switchboard--prompt-history nil
  "Minibuffer history of prompts.")

(defun switchboard--fenced-region (start end)
  "The text from START to END as a fenced block under its file's name."
  (switchboard-conversation-fenced
   (format "File: %s (lines %d-%d)" (buffer-name) (line-number-at-pos start) (line-number-at-pos (max start (1- end))))
   (buffer-substring-no-properties start end)
   (switchboard-rewrite--language)))

;;;###autoload
(defun switchboard-chat (&optional start end)
  "Show the chat and go to its input.
With an active region (START and END), it goes into the input first, in
a fence.  With a prefix argument, start a new chat (reading a preset)."
  (interactive (and (use-region-p) (list (region-beginning) (region-end))))
  (let ((buffer (if current-prefix-arg
                    (switchboard-new-chat (completing-read "Preset (empty for none): " switchboard-presets))
                  (switchboard-chat-buffer))))
    (when start
      (switchboard-chat-add (switchboard--fenced-region start end) buffer)
      (deactivate-mark))
    (pop-to-buffer buffer)
    (goto-char (point-max))
    buffer))

;;;###autoload
(defun switchboard-add-region (start end)
  "Add the text from START to END to the chat's input (the region, interactively)."
  (interactive "r")
  (switchboard-chat-add (switchboard--fenced-region start end))
  (deactivate-mark))

;;;###autoload
(defun switchboard-add-buffer (buffer)
  "Add the text of BUFFER to the chat's input."
  (interactive (list (read-buffer "Add buffer: " (current-buffer) t)))
  (with-current-buffer buffer
    (switchboard-chat-add (switchboard-conversation-fenced
                           (format "File: %s" (buffer-name))
                           (buffer-substring-no-properties (point-min) (point-max))
                           (switchboard-rewrite--language)))))

;;;###autoload
(defun switchboard-add-file (file)
  "Add the contents of FILE to the chat's input; a binary file is refused."
  (interactive "fAdd file: ")
  (when (with-temp-buffer
          (set-buffer-multibyte nil)
          (insert-file-contents-literally file nil 0 8000)
          (search-forward "\0" nil t))
    (user-error "%s is a binary file (`switchboard-add-image' attaches an image)" file))
  (switchboard-chat-add (switchboard-conversation-fenced
                         (format "File: %s" (abbreviate-file-name (expand-file-name file)))
                         (with-temp-buffer (insert-file-contents file) (buffer-string))
                         (file-name-extension file))))

;;;###autoload
(defun switchboard-add-image (file)
  "Attach the image FILE (PNG, JPEG, GIF, WebP) to the chat's input."
  (interactive "fImage: ")
  (switchboard-chat-add (format "![image](%s)" (expand-file-name file))))

(defface switchboard-insert-pending '((t :inherit shadow))
  "Face of an answer to `switchboard-insert' while it streams."
  :group 'switchboard)

(defun switchboard--insert-answer (marker text)
  "Insert TEXT at MARKER as one undo step of its own.
Point, and windows' point, at MARKER go after it."
  (with-current-buffer (marker-buffer marker)
    (let* ((position (marker-position marker))
           (point-follows (= (point) position))
           (windows (seq-filter (lambda (window) (= (window-point window) position))
                                (get-buffer-window-list (current-buffer) nil t))))
      (undo-boundary)
      (save-excursion
        (goto-char position)
        (insert text)
        (set-marker marker (point)))
      (undo-boundary)
      (when point-follows (goto-char marker))
      (dolist (window windows) (set-window-point window marker)))))

;;;###autoload
(defun switchboard-insert (prompt &optional start end)
  "Ask PROMPT; the answer goes into the buffer at point, as one undo step.
While it streams, it shows at point in an overlay, and you can go on
editing: when it ends, it is inserted there in one change (an answer
that is one fenced block without its fence).  Cancelled
\(\\[switchboard-cancel]) or failed: nothing is inserted.  With an active
region (START and END), the region goes with the prompt and the answer
comes after it."
  (interactive (append (list (read-string "Insert: " nil 'switchboard--prompt-history))
                       (and (use-region-p) (list (region-beginning) (region-end)))))
  (let* ((user (if start (concat prompt "\n\n" (switchboard--fenced-region start end)) prompt))
         (buffer (current-buffer))
         (marker (copy-marker (or end (point))))
         (overlay (make-overlay marker marker nil nil nil))
         (scratch (generate-new-buffer " *switchboard insert*")))
    (deactivate-mark)
    (overlay-put overlay 'switchboard-insert t)
    (let ((request
           (switchboard-stream-start
            (list :messages (vector (list :role "system" :content switchboard-insert-prompt)
                                    (list :role "user" :content user)))
            (with-current-buffer scratch (point-marker))
            :on-insert (lambda ()
                         (overlay-put overlay 'before-string
                                      (propertize (with-current-buffer scratch (buffer-string))
                                                  'face 'switchboard-insert-pending)))
            :on-end (lambda (outcome)
                      (kill-buffer scratch)
                      (delete-overlay overlay)
                      (let ((text (plist-get outcome :text)))
                        (pcase (plist-get outcome :outcome)
                          ('done (when (and (buffer-live-p buffer) (not (string-empty-p text)))
                                   (switchboard--insert-answer
                                    marker (or (switchboard-conversation-unfenced text) text))))
                          ('cancelled (message "switchboard: cancelled; nothing inserted"))
                          (_ (message "switchboard: %s; nothing inserted"
                                      (switchboard-error-text (plist-get outcome :error))))))
                      (set-marker marker nil)))))
      ;; the answer belongs to BUFFER: `switchboard-cancel' there stops it
      (setf (switchboard-request-data request) (list :buffer buffer :marker marker))
      request)))

;;;###autoload
(defun switchboard-ask (prompt)
  "Ask PROMPT, wait for the whole answer and return it as a string.
For Lisp code; no conversation is kept.  \\[keyboard-quit] while
waiting cancels the request in the daemon."
  (let ((result (switchboard-rpc-call 'chat.complete
                                      (append (list :messages (vector (list :role "user" :content prompt)))
                                              (and switchboard-model (list :model switchboard-model))
                                              (and switchboard-profile (list :profile switchboard-profile))))))
    (or (switchboard-result-text result) "")))

(defconst switchboard-not-chat-models
  "embed\\|whisper\\|tts\\|dall-e\\|moderation\\|transcribe\\|davinci\\|babbage\\|gpt-image"
  "Model ids matching this are not chat models.")

(defun switchboard--chat-model-ids (result)
  "The chat model ids of a `models.list' RESULT.
Without the embedding, speech and image models."
  (let ((case-fold-search t))
    (seq-remove (lambda (id) (string-match-p switchboard-not-chat-models id))
                (delq nil (mapcar (lambda (model) (plist-get model :id)) (plist-get result :data))))))

(defun switchboard-models ()
  "The ids of the API's chat models, waited for."
  (switchboard--chat-model-ids (switchboard-rpc-call 'models.list (switchboard-rpc-no-params))))

(defun switchboard--with-models (use)
  "Ask for the API's chat models without waiting; call USE with their ids.
USE runs from a timer once they arrive; an error is reported instead."
  (message "switchboard: asking the upstream for its models...")
  (switchboard-rpc-send (switchboard-rpc-connection) (switchboard-request-create)
                        'models.list (switchboard-rpc-no-params)
                        :on-result (lambda (result)
                                     (run-at-time 0 nil use (switchboard--chat-model-ids result)))
                        :on-error (lambda (error)
                                    (message "switchboard: %s" (switchboard-error-text error)))))

(defun switchboard-profiles ()
  "The names of the profiles in the daemon's configuration."
  (let ((profiles (plist-get (switchboard-rpc-call 'config.get (switchboard-rpc-no-params)) :profiles)))
    (cl-loop for (name _value) on profiles by #'cddr
             collect (substring (symbol-name name) 1))))

(defun switchboard--choose (what current choices)
  "Read one of CHOICES for WHAT (now CURRENT); an empty answer means nil."
  (let ((choice (completing-read (format "%s (now %s; empty for the daemon's default): "
                                         what (or current "the daemon's default"))
                                 choices nil nil)))
    (and (not (string-empty-p choice)) choice)))

;;;###autoload
(defun switchboard-select-model (model)
  "Set `switchboard-model' to MODEL (nil: the daemon's default).
Interactively, MODEL is chosen among the API's chat models, asked for
without blocking Emacs: the choice is read when they arrive.  An empty
answer goes back to the daemon's default."
  (interactive (list :ask))
  (if (eq model :ask)
      (switchboard--with-models
       (lambda (ids) (switchboard-select-model (switchboard--choose "Model" switchboard-model ids))))
    (setq switchboard-model model)
    (message "switchboard: model %s" (or model "(the daemon's default)"))))

;;;###autoload
(defun switchboard-select-profile (profile)
  "Set `switchboard-profile' to PROFILE, chosen among the daemon's profiles."
  (interactive (list (switchboard--choose "Profile" switchboard-profile (switchboard-profiles))))
  (setq switchboard-profile profile)
  (message "switchboard: profile %s" (or profile "(the daemon's default)")))

(defun switchboard-health-report ()
  "Lines describing the daemon, its configuration and the upstream's answer."
  (let ((program (car (switchboard-rpc-command))))
    (if (not (executable-find program))
        (list (format "ERROR: %s is not an executable: build it (swift build -c release) or set `switchboard-command'" program))
      (let* ((config (switchboard-rpc-call 'config.get (switchboard-rpc-no-params)))
             (models (condition-case err
                         (switchboard-rpc-call 'models.list (switchboard-rpc-no-params))
                       (switchboard-error err))))
        (list (format "OK: executable: %s" (executable-find program))
              (format "OK: version: %s" (string-trim (shell-command-to-string
                                                      (concat (shell-quote-argument (executable-find program)) " --version"))))
              (format "INFO: base_url: %s" (plist-get config :base_url))
              (format "INFO: model: %s" (or switchboard-model (format "%s, the daemon's default" (plist-get config :default_model))))
              (if (or (plist-member config :api_key) (plist-member config :api_key_command))
                  "OK: API key: set"
                "WARNING: API key: not set (OPENAI_API_KEY, or api_key in the config file; \"\" for local servers)")
              (if (eq (car models) 'switchboard-error)
                  (format "ERROR: models.list failed: %s; check base_url (it usually ends in /v1), the key, the network" (cadr models))
                (let ((all (plist-get models :data)))
                  (format "OK: the upstream answered models.list: %d models, %d for chat: %s"
                          (length all) (length (switchboard-models)) (string-join (switchboard-models) ", ")))))))))

;;;###autoload
(defun switchboard-health ()
  "Check the daemon and ask the upstream for its models; show the report."
  (interactive)
  (with-current-buffer (get-buffer-create "*switchboard health*")
    (let ((inhibit-read-only t))
      (erase-buffer)
      (insert (string-join (switchboard-health-report) "\n") "\n"))
    (special-mode)
    (display-buffer (current-buffer))
    (buffer-string)))

;;;###autoload
(defvar switchboard-command-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "c") #'switchboard-chat)
    (define-key map (kbd "n") #'switchboard-new-chat)
    (define-key map (kbd "RET") #'switchboard-send)
    (define-key map (kbd "k") #'switchboard-cancel)
    (define-key map (kbd "r") #'switchboard-rewrite)
    (define-key map (kbd "i") #'switchboard-insert)
    (define-key map (kbd "a") #'switchboard-add-region)
    (define-key map (kbd "b") #'switchboard-add-buffer)
    (define-key map (kbd "f") #'switchboard-add-file)
    (define-key map (kbd "I") #'switchboard-add-image)
    (define-key map (kbd "o") #'switchboard-open)
    (define-key map (kbd "H") #'switchboard-history)
    (define-key map (kbd "g") #'switchboard-retry)
    (define-key map (kbd "m") #'switchboard-select-model)
    (define-key map (kbd "p") #'switchboard-select-profile)
    (define-key map (kbd "h") #'switchboard-health)
    (define-key map (kbd "R") #'switchboard-restart)
    map)
  "Switchboard's commands under one prefix; bind it to a key of yours.")
;;;###autoload
(fset 'switchboard-command-map switchboard-command-map)

(provide 'switchboard)
;;; switchboard.el ends here
