;;; switchboard-history.el --- The conversation store as history  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; `switchboard-history' picks a conversation of the daemon's store
;; (`conversations.list', newest first: chats of this Emacs, of another
;; editor, of a script or an ACP session) with `completing-read', and
;; opens it (`conversations.get') in a new chat buffer that continues
;; it: the chat sends its `conversation_id'.

;;; Code:

(require 'switchboard-chat)

(defun switchboard-history--content (content)
  "The text of a stored message's CONTENT: a string, or parts.
Text parts are joined; images become lines that attach them."
  (if (stringp content)
      content
    (string-join
     (delq nil (mapcar (lambda (part)
                         (pcase (plist-get part :type)
                           ("text" (plist-get part :text))
                           ("image_url" (format "![image](%s)" (plist-get (plist-get part :image_url) :url)))))
                       content))
     "\n")))

(defun switchboard-history--calls (message results)
  "The record lines of the tool calls of MESSAGE.
RESULTS maps call ids to their results."
  (mapcan (lambda (call)
            (let* ((function (plist-get call :function))
                   (text (plist-get function :arguments))
                   (arguments (condition-case nil
                                  (json-parse-string text :object-type 'plist :false-object :json-false)
                                (error text)))
                   (result (gethash (plist-get call :id) results)))
              (switchboard-tool-record
               (list :name (plist-get function :name) :status "called" :arguments arguments
                     :result (and result (switchboard-history--content result))))))
          (plist-get message :tool_calls)))

(defun switchboard-history-render (messages)
  "The chat text of stored MESSAGES (plists, as `conversations.get' gives).
One \"## Assistant\" block per run, its tool calls as records (with
their results), a cancelled answer ending with [cancelled]; then an
empty \"## You\" block to go on in."
  (let ((headings '(("system" . "## System") ("user" . "## You") ("assistant" . "## Assistant")))
        (lines nil) (role nil)
        (rest (append messages nil)))
    (while rest
      (let* ((message (pop rest))
             (heading (cdr (assoc (plist-get message :role) headings)))
             ;; the results of its calls: the tool messages right after it (ids can repeat
             ;; from one turn to the next)
             (results (make-hash-table :test 'equal)))
        (dolist (answer (seq-take-while (lambda (next) (equal (plist-get next :role) "tool")) rest))
          (puthash (plist-get answer :tool_call_id) (plist-get answer :content) results))
        (when heading
          (unless (equal role (plist-get message :role))
            (when lines (push "" lines))
            (push heading lines)
            (setq role (plist-get message :role)))
          (let ((text (or (switchboard-history--content (plist-get message :content)) "")))
            (unless (string-empty-p text)
              (dolist (line (split-string text "\n")) (push line lines)))
            (dolist (line (switchboard-history--calls message results)) (push line lines))
            (when (equal (plist-get message :status) "cancelled")
              (when-let ((fence (switchboard-conversation-open-fence text)))
                (push fence lines))
              (push switchboard-conversation-cancelled lines))))))
    (concat (string-join (nreverse lines) "\n") (if lines "\n\n" "") "## You\n")))

(defun switchboard-history-open (id)
  "Open stored conversation ID in a new chat buffer that continues it.
Return the buffer."
  (let* ((result (switchboard-rpc-call 'conversations.get (list :id id)))
         (buffer (switchboard-new-chat)))
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (switchboard-history-render (plist-get result :messages))))
      (setq switchboard-chat-conversation-id id)
      (when (stringp (plist-get result :title))
        (rename-buffer (generate-new-buffer-name (format "*switchboard: %s*" (plist-get result :title))))))
    (pop-to-buffer buffer)
    (goto-char (point-max))
    buffer))

(defun switchboard-history--label (item)
  "The picker's line for the conversation ITEM: \"title · when\"."
  (let ((title (plist-get item :title))
        (when (plist-get item :updated_at)))
    (format "%s  · %s"
            (if (and (stringp title) (not (string-empty-p title))) title "(untitled)")
            (if (numberp when) (format-time-string "%Y-%m-%d %H:%M" (floor when)) ""))))

(defun switchboard-history--choose (items)
  "Read one of the conversations ITEMS and open it."
  (let* ((labels (mapcar (lambda (item)
                           (cons (format "%s  [%s]" (switchboard-history--label item) (plist-get item :id)) item))
                         items))
         (choice (completing-read "Conversation: "
                                  (lambda (string predicate action)
                                    (if (eq action 'metadata)
                                        '(metadata (display-sort-function . identity))
                                      (complete-with-action action labels string predicate)))
                                  nil t)))
    (when-let ((item (cdr (assoc choice labels))))
      (switchboard-history-open (plist-get item :id)))))

;;;###autoload
(defun switchboard-history ()
  "Pick a stored conversation (newest first) and continue it in a chat.
The list is asked for without blocking Emacs; the choice is read when
it arrives."
  (interactive)
  (switchboard-rpc-send (switchboard-rpc-connection) (switchboard-request-create)
                        'conversations.list (list :limit 200)
                        :on-result (lambda (result)
                                     (let ((items (append (plist-get result :conversations) nil)))
                                       (if items
                                           (run-at-time 0 nil #'switchboard-history--choose items)
                                         (message "switchboard: no stored conversations yet"))))
                        :on-error (lambda (error)
                                    (message "switchboard: %s" (switchboard-error-text error)))))

(provide 'switchboard-history)
;;; switchboard-history.el ends here
