;;; switchboard-history-tests.el --- Stored chats, history, retry, usage  -*- lexical-binding: t; -*-

;;; Commentary:

;; Chats kept in the daemon's conversation store (conversation_id
;; "new", then the id the daemon gives), reopened with
;; `switchboard-history' (completing-read over conversations.list) and
;; continued; an agent run reopened with its tool calls; retry; the
;; tokens each answer used; a daemon whose store is off.  The store is
;; in the scratch XDG_DATA_HOME that tests/run sets.

;;; Code:

(require 'switchboard-test-helpers)

(defmacro switchboard-tests-with-store (&rest body)
  "Run BODY with the daemon under test and chats stored."
  (declare (indent 0) (debug t))
  `(switchboard-tests-with-daemon
     (let ((switchboard-store t)
           (switchboard-tools nil))
       ,@body)))

(defun switchboard-tests-usage-notes ()
  "The usage notes of this chat: (HEADING-LINE . NOTE), in order."
  (mapcar (lambda (overlay)
            (cons (save-excursion (goto-char (overlay-start overlay))
                                  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
                  (substring-no-properties (overlay-get overlay 'after-string))))
          (sort (seq-filter (lambda (overlay) (overlay-get overlay 'switchboard-usage))
                            (overlays-in (point-min) (point-max)))
                (lambda (a b) (< (overlay-start a) (overlay-start b))))))

(ert-deftest switchboard-history-stores-picks-and-continues ()
  "A chat is stored; its answers show their tokens; the history picker opens it in a chat that continues it."
  (switchboard-tests-with-store
    (let ((first-buffer (switchboard-new-chat)) first-id offered)
      (with-current-buffer first-buffer
        (switchboard-tests-send "What is a monad?")
        (switchboard-tests-idle)
        (setq first-id switchboard-chat-conversation-id)
        (should (string-prefix-p "conv_" first-id))
        (switchboard-tests-send "And in plain words?")
        (switchboard-tests-idle)
        (should (equal switchboard-chat-conversation-id first-id))
        (should (equal (switchboard-tests-last-messages)
                       '(((role . "user") (content . "What is a monad?"))
                         ((role . "assistant") (content . "echo: What is a monad?"))
                         ((role . "user") (content . "And in plain words?")))))
        (let ((notes (switchboard-tests-usage-notes)))
          (should (= (length notes) 2))
          (dolist (note notes)
            (should (equal (car note) "## Assistant"))
            (should (string-match-p "\\`  [0-9]+ tokens ([0-9]+ in, [0-9]+ out)\\'" (cdr note))))))
      (cl-letf (((symbol-function 'completing-read)
                 (lambda (_prompt collection &rest _)
                   (setq offered (all-completions "" collection))
                   (car offered))))
        (switchboard-history)
        ;; (the choice is read from a timer, which leaves the test's current buffer alone)
        (should (switchboard-tests-wait-until
                 (lambda () (and (not (eq (window-buffer) first-buffer))
                                 (equal (buffer-local-value 'switchboard-chat-conversation-id (window-buffer))
                                        first-id))))))
      (set-buffer (window-buffer))
      (should (string-match-p "\\`What is a monad\\?  · [0-9]\\{4\\}-[0-9][0-9]-[0-9][0-9] [0-9:]\\{5\\}  \\[conv_" (car offered)))
      (should (derived-mode-p 'switchboard-chat-mode))
      (should (equal (switchboard-tests-text)
                     (concat "## You\nWhat is a monad?\n\n## Assistant\necho: What is a monad?\n\n"
                             "## You\nAnd in plain words?\n\n## Assistant\necho: And in plain words?\n\n## You\n")))
      (should (= (point) (point-max)))
      (switchboard-tests-send "Once more")
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
      (should (= (length (switchboard-tests-last-messages)) 5))
      (should (equal switchboard-chat-conversation-id first-id)))))

(ert-deftest switchboard-history-agent-run-and-retry ()
  "An agent run reopened shows its tool calls as records; retry asks again in a new conversation."
  (switchboard-tests-with-store
    (let ((switchboard-tools '("read_file")) id)
      (with-current-buffer (switchboard-new-chat)
        (switchboard-tests-send "a TOOL run")
        (switchboard-tests-idle)
        (setq id switchboard-chat-conversation-id))
      (with-current-buffer (switchboard-history-open id)
        (should (equal (switchboard-tests-text)
                       (concat "## You\na TOOL run\n\n## Assistant\n> [tool] read_file … called\n"
                               ">   arguments: {\"text\":\"a TOOL run\"}\n>   result: no path given\n"
                               "echo: no path given\n\n## You\n")))
        (let ((switchboard-tools nil))
          (switchboard-tests-key "C-c C-r")
          (switchboard-tests-idle))
        (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
        (should (string-prefix-p "conv_" switchboard-chat-conversation-id))
        (should-not (equal switchboard-chat-conversation-id id))
        (should (equal (switchboard-tests-text) "## You\na TOOL run\n\n## Assistant\necho: a TOOL run\n\n## You\n"))
        (should (= (length (switchboard-tests-usage-notes)) 1))))))

(ert-deftest switchboard-history-retry-needs-an-answer ()
  "Retry refuses a chat that does not end with an answer."
  (with-temp-buffer
    (switchboard-chat-mode)
    (insert "## You\nhello\n")
    (should-error (switchboard-retry (current-buffer)) :type 'user-error)))

(ert-deftest switchboard-history-cancelled-first-question-keeps-its-conversation ()
  "A first question cancelled keeps the conversation the daemon stored it in (data.partial)."
  (switchboard-tests-with-store
    (with-current-buffer (switchboard-new-chat)
      (switchboard-tests-send "SLOW cancel me")
      (should (switchboard-tests-wait-until (lambda () (string-suffix-p "echo: SLO" (switchboard-tests-text)))))
      (switchboard-tests-key "C-c C-k")
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'cancelled))
      (should (string-prefix-p "conv_" switchboard-chat-conversation-id)))))

(ert-deftest switchboard-history-store-off-is-noted-once-and-resent ()
  "A daemon whose store is off (-32008): noted once, the question asked again unstored."
  (switchboard-tests-with-store
    (let ((switchboard-config '(:store :json-false))
          (messages nil))
      (cl-letf (((symbol-function 'message) (lambda (&rest args) (push (apply #'format args) messages))))
        (with-current-buffer (switchboard-new-chat)
          (switchboard-tests-send "store is off")
          (should (switchboard-tests-wait-until
                   (lambda () (equal (switchboard-tests-text)
                                     "## You\nstore is off\n\n## Assistant\necho: store is off\n\n## You\n"))))
          (switchboard-tests-idle)
          (should-not switchboard-chat-conversation-id)
          (should-not (switchboard-chat-storing-p))))
      (should (= 1 (cl-count-if (lambda (m) (string-match-p "store cannot be used" m)) messages))))))

(ert-deftest switchboard-history-render-cancelled-and-images ()
  "Stored messages render as a chat: images as lines, a cancelled answer's fence closed, each call's own result."
  (should (equal (switchboard-history-render
                  (vector '(:role "system" :content "Be brief.")
                          '(:role "user" :content [(:type "text" :text "look") (:type "image_url" :image_url (:url "/tmp/a.png"))])
                          '(:role "assistant" :content "```py\nx = 1" :status "cancelled")))
                 "## System\nBe brief.\n\n## You\nlook\n![image](/tmp/a.png)\n\n## Assistant\n```py\nx = 1\n```\n[cancelled]\n\n## You\n"))
  (should (equal (switchboard-history-render []) "## You\n"))
  ;; a call id used again in a later run gets that run's result
  (let ((run (lambda (question result)
               (list (list :role "user" :content question)
                     (list :role "assistant" :content nil
                           :tool_calls (vector (list :id "call_echo" :type "function"
                                                     :function (list :name "search" :arguments "{\"query\":\"x\"}"))))
                     (list :role "tool" :tool_call_id "call_echo" :content result)
                     (list :role "assistant" :content (concat "echo: " result))))))
    (should (equal (switchboard-history-render (vconcat (funcall run "one" "first") (funcall run "two" "second")))
                   (concat "## You\none\n\n## Assistant\n> [tool] search … called\n>   arguments: {\"query\":\"x\"}\n"
                           ">   result: first\necho: first\n\n## You\ntwo\n\n## Assistant\n> [tool] search … called\n"
                           ">   arguments: {\"query\":\"x\"}\n>   result: second\necho: second\n\n## You\n")))))

(ert-deftest switchboard-history-changed-elsewhere-is-told ()
  "A chat whose conversation another process changed is told so (conversations.changed)."
  (switchboard-tests-with-store
    (let ((messages nil) id)
      (with-current-buffer (switchboard-new-chat)
        (switchboard-tests-send "first")
        (switchboard-tests-idle)
        (setq id switchboard-chat-conversation-id)
        ;; another daemon, sharing the store (the same XDG_DATA_HOME), renames it
        (with-temp-buffer
          (insert (json-encode `((jsonrpc . "2.0") (id . 1) (method . "conversations.rename")
                                 (params . ((id . ,id) (title . "renamed"))))) "\n")
          (call-process-region (point-min) (point-max) switchboard-tests-bin t t nil)
          (should (string-match-p "\"result\"" (buffer-string))))
        (cl-letf (((symbol-function 'message) (lambda (&rest args) (push (apply #'format args) messages))))
          (should (plist-get (switchboard-rpc-call 'conversations.list (list :limit 5)) :conversations)))
        (should (= 1 (cl-count-if (lambda (m) (string-match-p (concat (regexp-quote (buffer-name))
                                                                     ": its conversation changed elsewhere")
                                                             m))
                                  messages)))))))

(provide 'switchboard-history-tests)
;;; switchboard-history-tests.el ends here
